-- gpuplan database schema (DuckDB). Built by `python -m gpuplan data build` from data/*.csv.
-- Units are in column names: _gb = 10^9 bytes, _gbps = 10^9 bytes/s, _tflops = 10^12 FLOP/s (always DENSE,
-- never the "with sparsity" figure), _usd, _w. Empty CSV cell = NULL = "not found in any source", never a guess.
-- These constraints are the second line of defence; gpuplan/data.py validates the CSVs first and names
-- file, line and column of the first problem. gpuplan/data.py also refuses, for every column: numbers that are
-- not finite (nan, inf, 1e400) and dates after the day of the build (a future "latest" price).
--
-- Plausible ranges (BETWEEN checks). They are not facts about any GPU; they catch unit slips that a positive-
-- number check lets through (MB or bytes for GB, TB/s for GB/s, PFLOPS for TFLOPS, sparse for dense, $/instance-
-- hour for $/GPU-hour, hours for minutes). Each bound leaves at least 3x headroom over the most extreme value in
-- any 2026 source (largest memory 288 GB on MI355X/B300, fastest HBM 8,000 GB/s, densest BF16 ~2,500 TFLOPS,
-- NVLink5 1,800 GB/s, 1,400 W TDP, dearest on-demand GPU-hour ~$14, 72 GPUs per NVL72 rack instance).
-- A value outside a range is refused with file, line and column; widen the range here, with a reason, when
-- real hardware passes it.

CREATE TABLE sources (
    source_id      VARCHAR PRIMARY KEY CHECK (regexp_full_match(source_id, '[a-z0-9][a-z0-9.-]*')),
    title          VARCHAR NOT NULL,
    url            VARCHAR,             -- URL, or empty when the reference gives only a citation
    publisher      VARCHAR NOT NULL,
    published_date VARCHAR CHECK (regexp_full_match(published_date, '\d{4}(-\d{2}(-\d{2})?)?')),  -- ISO, may be partial
    accessed_date  VARCHAR CHECK (regexp_full_match(accessed_date, '\d{4}(-\d{2}(-\d{2})?)?')),
    reliability    VARCHAR NOT NULL,
    note           VARCHAR
);

CREATE TABLE gpus (
    gpu_id                VARCHAR PRIMARY KEY CHECK (regexp_full_match(gpu_id, '[a-z0-9][a-z0-9-]*')),
    name                  VARCHAR NOT NULL,
    vendor                VARCHAR NOT NULL CHECK (vendor IN ('NVIDIA', 'AMD')),
    architecture          VARCHAR NOT NULL,
    form_factor           VARCHAR NOT NULL,
    memory_gb             DOUBLE NOT NULL CHECK (memory_gb BETWEEN 4 AND 1024),           -- vendor-labelled capacity (10^9 bytes)
    memory_type           VARCHAR,
    memory_bandwidth_gbps DOUBLE NOT NULL CHECK (memory_bandwidth_gbps BETWEEN 100 AND 50000),  -- GB/s, not TB/s
    fp32_tflops           DOUBLE CHECK (fp32_tflops BETWEEN 1 AND 2000),                  -- non-tensor FP32
    tf32_tflops_dense     DOUBLE CHECK (tf32_tflops_dense BETWEEN 1 AND 20000),
    bf16_tflops_dense     DOUBLE CHECK (bf16_tflops_dense BETWEEN 1 AND 20000),
    fp16_tflops_dense     DOUBLE CHECK (fp16_tflops_dense BETWEEN 1 AND 20000),
    fp8_tflops_dense      DOUBLE CHECK (fp8_tflops_dense BETWEEN 1 AND 40000),
    int8_tops_dense       DOUBLE CHECK (int8_tops_dense BETWEEN 1 AND 40000),
    interconnect          VARCHAR NOT NULL CHECK (interconnect IN ('nvlink3', 'nvlink4', 'nvlink5', 'infinity-fabric', 'pcie')),
    nvlink_gbps           DOUBLE CHECK (nvlink_gbps BETWEEN 10 AND 10000),                -- bidirectional per GPU; empty when none
    pcie_gen              INTEGER CHECK (pcie_gen BETWEEN 3 AND 6),
    tdp_w                 DOUBLE CHECK (tdp_w BETWEEN 50 AND 5000),
    launch_date           DATE CHECK (launch_date >= DATE '2010-01-01'),
    process_node          VARCHAR,
    aliases               VARCHAR NOT NULL,                            -- ';'-separated, matched case-insensitively
    source_id             VARCHAR NOT NULL REFERENCES sources (source_id),
    notes                 VARCHAR
);

-- Every source's value for every spec field: the cross-check that shows disagreements.
CREATE TABLE spec_values (
    gpu_id    VARCHAR NOT NULL REFERENCES gpus (gpu_id),
    field     VARCHAR NOT NULL,
    value     VARCHAR NOT NULL,
    unit      VARCHAR,
    source_id VARCHAR NOT NULL REFERENCES sources (source_id),
    basis     VARCHAR,                                                 -- dense / sparse / non-tensor / ...
    note      VARCHAR
);

CREATE TABLE prices (
    price_id          INTEGER PRIMARY KEY CHECK (price_id > 0),
    gpu_id            VARCHAR NOT NULL REFERENCES gpus (gpu_id),
    provider          VARCHAR,                                         -- empty only for purchase prices
    kind              VARCHAR NOT NULL CHECK (kind IN ('on-demand', 'spot', 'reserved', 'purchase')),
    usd_per_gpu_hour  DOUBLE CHECK (usd_per_gpu_hour BETWEEN 0.01 AND 50),        -- per GPU, not per instance
    purchase_usd      DOUBLE CHECK (purchase_usd BETWEEN 100 AND 1000000),          -- per GPU
    gpus_per_instance INTEGER CHECK (gpus_per_instance BETWEEN 1 AND 72),
    region            VARCHAR,
    date_observed     DATE CHECK (date_observed >= DATE '2015-01-01'),            -- empty when the source is undated
    date_note         VARCHAR,                                         -- how the date was read (source's own words)
    term              VARCHAR,                                         -- the source's term text
    source_id         VARCHAR NOT NULL REFERENCES sources (source_id),
    notes             VARCHAR,
    CHECK ((kind = 'purchase') = (purchase_usd IS NOT NULL)),
    CHECK ((kind = 'purchase') = (usd_per_gpu_hour IS NULL)),
    CHECK (kind = 'purchase' OR provider IS NOT NULL)
);

CREATE TABLE benchmarks (
    benchmark_id     INTEGER PRIMARY KEY CHECK (benchmark_id > 0),
    suite            VARCHAR NOT NULL,
    round            VARCHAR,
    workload         VARCHAR NOT NULL,
    scenario         VARCHAR,
    task_type        VARCHAR NOT NULL CHECK (task_type IN ('training', 'finetune', 'inference', 'microbenchmark')),
    model            VARCHAR,
    gpu_id           VARCHAR NOT NULL REFERENCES gpus (gpu_id),
    gpu_count        INTEGER NOT NULL CHECK (gpu_count BETWEEN 1 AND 200000),
    precision        VARCHAR,
    metric           VARCHAR NOT NULL,
    value            DOUBLE NOT NULL CHECK (value > 0),                 -- unit-dependent range: table CHECK below
    unit             VARCHAR NOT NULL CHECK (unit IN ('minutes', 'samples/s', 'tokens/s', 'images/s', 'sequences/s', 'TFLOPS', 'GB/s', 'tokens/s/GPU')),
    higher_is_better BOOLEAN NOT NULL,
    system           VARCHAR,
    submitter        VARCHAR,
    date             DATE CHECK (date >= DATE '2015-01-01'),
    source_id        VARCHAR NOT NULL REFERENCES sources (source_id),
    notes            VARCHAR,
    -- minutes: a time to train between 0.6 s and ~70 days (hours typed as minutes stay plausible, so the unit
    -- column is an enum); TFLOPS/GB/s: microbenchmarks of one GPU or node; rates: below 10^9 per second
    CHECK (CASE unit WHEN 'minutes' THEN value BETWEEN 0.01 AND 100000 WHEN 'TFLOPS' THEN value BETWEEN 1 AND 40000
                     WHEN 'GB/s' THEN value BETWEEN 1 AND 100000 ELSE value < 1000000000 END),
    CHECK ((unit = 'minutes') = (NOT higher_is_better))                 -- a time is lower-is-better, a rate higher
);

CREATE TABLE models (
    model_id            VARCHAR PRIMARY KEY CHECK (regexp_full_match(model_id, '[a-z0-9][a-z0-9.-]*')),
    name                VARCHAR NOT NULL,
    family              VARCHAR NOT NULL CHECK (family IN ('llm', 'diffusion', 'video')),
    params_total        BIGINT CHECK (params_total BETWEEN 1000000 AND 100000000000000),
    params_active       BIGINT CHECK (params_active BETWEEN 1000000 AND 100000000000000),
    layers              INTEGER CHECK (layers BETWEEN 1 AND 1000),
    hidden_size         INTEGER CHECK (hidden_size BETWEEN 8 AND 262144),
    attention_heads     INTEGER CHECK (attention_heads BETWEEN 1 AND 1024),
    kv_heads            INTEGER CHECK (kv_heads BETWEEN 1 AND 1024),
    head_dim            INTEGER CHECK (head_dim BETWEEN 1 AND 4096),
    vocab_size          INTEGER CHECK (vocab_size > 0),
    ffn_size            INTEGER CHECK (ffn_size > 0),
    default_context     INTEGER CHECK (default_context BETWEEN 1 AND 100000000),
    latent_channels     INTEGER CHECK (latent_channels > 0),
    vae_spatial_factor  INTEGER CHECK (vae_spatial_factor > 0),
    vae_temporal_factor INTEGER CHECK (vae_temporal_factor > 0),
    patch_size          INTEGER CHECK (patch_size > 0),
    -- serving (gpuplan.serving): mixture of experts, MLA latent KV cache, sliding-window attention layers
    experts_total          INTEGER CHECK (experts_total BETWEEN 1 AND 4096),        -- routed experts per MoE layer
    experts_active         INTEGER CHECK (experts_active BETWEEN 1 AND 4096),       -- routed experts per token
    shared_experts         INTEGER CHECK (shared_experts BETWEEN 0 AND 64),         -- always-on experts per MoE layer
    moe_ffn_size           INTEGER CHECK (moe_ffn_size BETWEEN 8 AND 262144),       -- intermediate size of one expert
    moe_layers             INTEGER CHECK (moe_layers BETWEEN 1 AND 1000),           -- layers whose MLP is MoE
    kv_lora_rank           INTEGER CHECK (kv_lora_rank BETWEEN 1 AND 65536),        -- MLA latent width (DeepSeek-V2/V3)
    qk_rope_head_dim       INTEGER CHECK (qk_rope_head_dim BETWEEN 1 AND 4096),     -- MLA decoupled RoPE key width
    sliding_window         INTEGER CHECK (sliding_window BETWEEN 1 AND 100000000),  -- tokens a windowed layer attends to
    sliding_window_layers  INTEGER CHECK (sliding_window_layers BETWEEN 0 AND 1000),
    source_id           VARCHAR NOT NULL REFERENCES sources (source_id),
    notes               VARCHAR,
    CHECK (params_active IS NULL OR params_total IS NULL OR params_active <= params_total),
    CHECK (kv_heads IS NULL OR attention_heads IS NULL OR attention_heads % kv_heads = 0),
    CHECK ((experts_total IS NULL) = (experts_active IS NULL) AND (experts_total IS NULL) = (moe_ffn_size IS NULL)),
    CHECK (experts_active IS NULL OR experts_total IS NULL OR experts_active <= experts_total),
    CHECK (moe_layers IS NULL OR layers IS NULL OR moe_layers <= layers),
    CHECK ((kv_lora_rank IS NULL) = (qk_rope_head_dim IS NULL)),
    CHECK ((sliding_window IS NULL) = (sliding_window_layers IS NULL)),
    CHECK (sliding_window_layers IS NULL OR layers IS NULL OR sliding_window_layers <= layers)
);

-- Latest observation per (gpu_id, kind, provider). Undated rows never beat dated ones; ties broken by the
-- highest price_id (the most recently added row).
CREATE VIEW latest_prices AS
SELECT * EXCLUDE (rn) FROM (
    SELECT p.*, row_number() OVER (
        PARTITION BY gpu_id, kind, provider
        ORDER BY date_observed DESC NULLS LAST, price_id DESC) AS rn
    FROM prices p)
WHERE rn = 1;

-- Derived price-performance of the latest hourly prices (on-demand / spot / reserved):
--   usd_per_dense_pflop_hour = usd_per_gpu_hour / (bf16_tflops_dense / 1000)   (dense BF16 PFLOP/s for one hour)
--   usd_per_tbps_hour        = usd_per_gpu_hour / (memory_bandwidth_gbps / 1000)
--   usd_per_gb_hour          = usd_per_gpu_hour / memory_gb                      (per GB of GPU memory)
CREATE VIEW price_performance AS
SELECT lp.price_id, lp.gpu_id, g.name, lp.provider, lp.kind, lp.date_observed, lp.usd_per_gpu_hour,
       g.bf16_tflops_dense, g.memory_bandwidth_gbps, g.memory_gb,
       lp.usd_per_gpu_hour / (g.bf16_tflops_dense / 1000.0)     AS usd_per_dense_pflop_hour,
       lp.usd_per_gpu_hour / (g.memory_bandwidth_gbps / 1000.0) AS usd_per_tbps_hour,
       lp.usd_per_gpu_hour / g.memory_gb                        AS usd_per_gb_hour,
       lp.source_id
FROM latest_prices lp JOIN gpus g USING (gpu_id)
WHERE lp.kind <> 'purchase';

-- Published pretraining runs (GPU type, tokens, GPU-hours) for the production-goodput calibration
-- (gpuplan.goodput): GPU-hours as reported, or GPUs x wall days when only those are published
-- (hours_basis). Llama-family and MPT rows are the independent check, never fitted.
CREATE TABLE training_runs (
    run_id      VARCHAR PRIMARY KEY CHECK (regexp_full_match(run_id, '[a-z0-9][a-z0-9.-]*')),
    name        VARCHAR NOT NULL,
    family      VARCHAR NOT NULL CHECK (regexp_full_match(family, '[a-z0-9-]+')),
    gpu_id      VARCHAR NOT NULL REFERENCES gpus (gpu_id),
    gpu_count   INTEGER CHECK (gpu_count > 0 AND gpu_count <= 1000000),
    params      BIGINT NOT NULL CHECK (params >= 1000000 AND params <= 100000000000000),
    tokens      DOUBLE NOT NULL CHECK (tokens >= 1e9 AND tokens <= 1e15),
    layers      INTEGER CHECK (layers > 0 AND layers <= 1000),
    hidden_size INTEGER CHECK (hidden_size > 0 AND hidden_size <= 1000000),
    seq_len     INTEGER CHECK (seq_len > 0 AND seq_len <= 10000000),
    gpu_hours   DOUBLE CHECK (gpu_hours > 0 AND gpu_hours <= 1e9),
    wall_days   DOUBLE CHECK (wall_days > 0 AND wall_days <= 3650),
    hours_basis VARCHAR NOT NULL CHECK (hours_basis IN ('reported', 'approximate', 'gpus-x-days')),
    precision   VARCHAR,
    source_id   VARCHAR NOT NULL REFERENCES sources (source_id),
    notes       VARCHAR,
    CHECK ((hours_basis = 'gpus-x-days') = (gpu_hours IS NULL)),
    CHECK (hours_basis <> 'gpus-x-days' OR (gpu_count IS NOT NULL AND wall_days IS NOT NULL))
);

-- How price catalogs name GPUs (gpuplan.prices.load_catalog): a SkyPilot catalog's AcceleratorName, optionally
-- narrowed by an InstanceType LIKE pattern (rows with a pattern are tried first), -> gpu_id. An empty gpu_id
-- means "deliberately not mapped" (the catalog's rows do not state a form factor the GPU table can match).
CREATE TABLE catalog_names (
    accelerator_name   VARCHAR NOT NULL,
    instance_type_like VARCHAR,
    gpu_id             VARCHAR REFERENCES gpus (gpu_id),
    source_id          VARCHAR NOT NULL REFERENCES sources (source_id),
    note               VARCHAR NOT NULL,
    UNIQUE (accelerator_name, instance_type_like)
);
