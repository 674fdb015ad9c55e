# One-off conversion script, kept for provenance (see data/README.md). Not run by the build or the tests.
# Run all with:  python data/import/reference_benchmarks.py && python data/import/models.py
# (reference_benchmarks imports reference_specs_prices, which rewrites gpus/spec_values/prices/sources.csv).
"""Import benchmarks from the reference into data/benchmarks.csv; add their sources to data/sources.csv."""
import csv, os, re, sys, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_specs_prices import VARIANT, write, REF, OUT, date_of  # noqa  (re-runs imp1: gpus/prices/sources)

BSRC = [
 # id, title, url, publisher, published, accessed, reliability, note
 *[(f"mlperf-training-{v}", f"MLPerf Training {v} closed-division results (result logs scored with mlcommons/logging result_summarizer)",
    f"https://github.com/mlcommons/training_results_{v}", "MLCommons", d, d, "primary (official results; scores computed by the reference with MLCommons' own scoring code)",
    "olympic mean of result_*.txt runs, RCP scaling.json applied; mlcommons/logging commit 7bbf792; date = first commit of the results repo")
   for v, d in [("v3.0", "2023-06-19"), ("v3.1", "2023-11-07"), ("v4.0", "2024-06-11"), ("v4.1", "2024-11-13"), ("v5.0", "2025-05-30")]],
 *[(f"mlperf-inference-{v}", f"MLPerf Inference {v} closed-division results (mlperf_log_summary.txt performance runs)",
    f"https://github.com/mlcommons/inference_results_{v}", "MLCommons", d, d, "primary (official results)",
    note) for v, d, note in [("v3.0", "2023-04-04", "parsed closed/*/results/*/*/{Offline,Server}/performance/run_1/mlperf_log_summary.txt joined to systems/*.json"),
                             ("v3.1", "2023-09", "two GPT-J rows read individually (Dell XE9680 A100 vs H100); the full repository was not processed"),
                             ("v4.1", "2024-08-28", "parsed closed/*/results/*/*/{Offline,Server}/performance/run_1/mlperf_log_summary.txt joined to systems/*.json")]],
 ("lambda-benchmark-fp32", "lambdal/deeplearning-benchmark pytorch-train-throughput-fp32.csv", "https://github.com/lambdal/deeplearning-benchmark/blob/master/pytorch/pytorch-train-throughput-fp32.csv",
  "Lambda", "2024-07-24", "2024-07-24", "primary (benchmark results)", "NVIDIA DeepLearningExamples models in NGC PyTorch containers; CSV last modified 2024-07-24"),
 ("lambda-benchmark-v2-fp16", "lambdal/deeplearning-benchmark pytorch-train-throughput-v2-fp16.csv (results_v2)", "https://github.com/lambdal/deeplearning-benchmark/blob/master/pytorch/pytorch-train-throughput-v2-fp16.csv",
  "Lambda", "2025-12-10", "2025-12-10", "primary (benchmark results)", "NGC PyTorch 24.x containers; B200 rows added 2025-12-10, H100/H200 rows 2024-10; not directly comparable with the v1 CSVs"),
 ("mosaicml-llm-foundry-benchmarks", "llm-foundry scripts/train/benchmarking/README.md (MPT training throughput tables)", "https://github.com/mosaicml/llm-foundry/blob/main/scripts/train/benchmarking/README.md",
  "MosaicML (Databricks)", "2023-10-19", "2023-10-19", "primary (vendor's own measured throughput)", "MosaicML platform; FSDP FULL_SHARD; RoCE 1600 Gbps for A100 tables; A100-40GB rows added 2023-05-03, others 2023-10-19"),
]
SRC_BY_TEXT = [("fp16.csv (NVIDIA", "lambda-benchmark-fp16"), ("fp32.csv", "lambda-benchmark-fp32"), ("v2-fp16.csv", "lambda-benchmark-v2-fp16"),
               ("mosaicml/llm-foundry", "mosaicml-llm-foundry-benchmarks"), ("compute/accelerator/README.md", "stas00-accelerators"),
               ("network/README.md", "stas00-network"), ("rtx-5090-vs-rtx-4090", "spheron-rtx5090-vs-4090")]

def bsid(text):
    for k, v in SRC_BY_TEXT:
        if k in text: return v
    raise SystemExit(text)

def num(x): return float(x)
cur = list(csv.DictReader(open(REF + "benchmarks.csv")))
trn = list(csv.DictReader(open(REF + "mlperf_training_scores_all.csv")))
inf = list(csv.DictReader(open(REF + "mlperf_inference_parsed.csv")))
excluded = collections.Counter()
rows = []
LLM_TOKENS = ("llama2-70b", "mixtral")

# curated MLPerf rows, indexed for dedupe
cur_ml = [c for c in cur if c["workload"].startswith("MLPerf")]
matched = set()
def find_curated(kind, rnd, scenario, system, submitter, values):
    for i, c in enumerate(cur_ml):
        w = c["workload"]
        if kind not in w or f" {rnd} " not in w + " " or c["system"] != system or c["submitter"] != submitter:
            continue
        if scenario and not w.endswith(scenario):
            continue
        v = num(c["value"])
        if any(x and abs(v - x) <= 1e-3 * max(abs(x), 1e-9) + 1e-3 for x in values):
            return i
    return None

# readable model names for MLPerf benchmark ids, taken from the curated rows (fallback: the id)
tmodel = {t["benchmark"]: t["model"] for t in trn}
imodel = {}
for t in trn:
    g = VARIANT.get(t["gpu"])
    if g is None:
        excluded[("MLPerf Training (all scores)", t["gpu"])] += 1; continue
    nodes = t["number_of_nodes"].replace(".0", "")
    i = find_curated("Training", t["round"], "", t["system"], t["submitter"], [num(t["minutes"])])
    notes = [f"accelerator: {t['accelerator_model_name']}", f"{nodes} node(s)", f"availability: {t['availability']}", f"framework: {t['framework']}", f"system: {t['details_url']}"]
    if i is not None:
        matched.add(i); notes.append(f"curated in reference benchmarks.csv: {cur_ml[i]['notes']}")
    rows.append(dict(suite="MLPerf Training", round=t["round"], workload=t["benchmark"], scenario="",
                     task_type="finetune" if "lora" in t["benchmark"] else "training", model=t["model"], gpu_id=g,
                     gpu_count=t["accelerators_count"], precision="submitter-chosen (closed division)", metric="time_to_train",
                     value=t["minutes"], unit="minutes", higher_is_better="false", system=t["system"], submitter=t["submitter"],
                     date=t["date"], source_id=f"mlperf-training-{t['round']}", notes="; ".join(notes)))

for t in inf:
    g = VARIANT.get(t["gpu"])
    if g is None or "MIG" in t["accelerator"]:
        excluded[("MLPerf Inference (parsed)", t["gpu"] if g is None else t["accelerator"])] += 1; continue
    if t["valid"] != "VALID":
        excluded[("MLPerf Inference (parsed)", "not VALID")] += 1; continue
    count = int(float(t["accelerators_per_node"])) * int(t["number_of_nodes"])
    tokens = bool(t["tokens_per_s"]) and t["benchmark"].startswith(LLM_TOKENS)
    value = t["tokens_per_s"] if tokens else t["headline_value"]
    metric = ("completed tokens per second" if t["scenario"] == "Server" else "tokens per second") if tokens else t["headline_metric"]
    i = find_curated("Inference", t["round"], t["scenario"], t["system"], t["submitter"],
                     [num(x) for x in (t["headline_value"], t["samples_per_s"], t["tokens_per_s"]) if x])
    notes = [f"accelerator: {t['accelerator']}", f"status: {t['status']}", f"framework: {t['framework']}"]
    if t["hw_notes"]: notes.append(f"hw_notes: {t['hw_notes']}")
    if tokens: notes.append(f"samples/s {t['samples_per_s']}")
    notes.append(f"log: {t['source']}")
    if i is not None:
        matched.add(i); notes.append(f"curated in reference benchmarks.csv: {cur_ml[i]['notes']}")
        imodel.setdefault(t["benchmark"], re.sub(r"\s*\((99(\.9)?%|99(\.9)?% acc\.)\)$", "", cur_ml[i]["model"]))
    rows.append(dict(suite="MLPerf Inference", round=t["round"], workload=t["benchmark"], scenario=t["scenario"], task_type="inference",
                     model=t["benchmark"], gpu_id=g, gpu_count=count, precision="submitter-chosen (closed division)", metric=metric,
                     value=value, unit="tokens/s" if tokens else "samples/s", higher_is_better="true", system=t["system"],
                     submitter=t["submitter"], date=t["date"], source_id=f"mlperf-inference-{t['round']}", notes="; ".join(notes)))
for r in rows:
    if r["suite"] == "MLPerf Inference":
        r["model"] = imodel.get(r["workload"], r["workload"])

# curated rows: MLPerf ones not found in the full files, and every non-MLPerf row
for i, c in enumerate(cur_ml):
    if i in matched: continue
    g = VARIANT.get(c["gpu"])
    if g is None:
        excluded[("curated MLPerf", c["gpu"])] += 1; continue
    m = re.match(r"MLPerf (Training|Inference) (v[\d.]+) closed(?:, (\w+))?", c["workload"])
    suite, rnd, scen = f"MLPerf {m.group(1)}", m.group(2), m.group(3) or ""
    d, dn = date_of(c["date"])
    rows.append(dict(suite=suite, round=rnd, workload=c["model"], scenario=scen, task_type=c["task_type"], model=c["model"], gpu_id=g,
                     gpu_count=c["gpu_count"], precision=c["precision"], metric=c["metric"], value=c["value"], unit=c["unit"],
                     higher_is_better="false" if c["metric"] == "time_to_train" else "true", system=c["system"], submitter=c["submitter"],
                     date=d, source_id=f"mlperf-{m.group(1).lower()}-{rnd}",
                     notes="; ".join(x for x in [c["notes"], dn and f"date: {dn}", f"log: {c['source']}"] if x)))
    print("curated MLPerf kept:", c["workload"], c["model"], c["gpu"])
SUITE = [("Lambda", "Lambda deeplearning-benchmark"), ("MPT", "MosaicML llm-foundry"), ("MAMF", "ml-engineering MAMF"),
         ("nvbandwidth", "nvbandwidth (ml-engineering)"), ("vendor claim", "vendor claim")]
for c in cur:
    if c["workload"].startswith("MLPerf"): continue
    g = VARIANT.get(c["gpu"])
    if g is None:
        excluded[(c["workload"], c["gpu"])] += 1; continue
    suite = next(v for k, v in SUITE if k in c["workload"])
    rnd = "v2" if "(v2)" in c["workload"] else ("v1" if suite.startswith("Lambda") else "")
    date_text = c["date"]
    if date_text.startswith("2025-12-10 (B200 rows added)"):
        date_text = "2025-12-10" if g.startswith("b200") else "2024-10"
    d, dn = date_of(date_text)
    if date_text != c["date"]: dn = "; ".join(x for x in [dn, f"reference date: {c['date']}"] if x)
    rows.append(dict(suite=suite, round=rnd, workload=c["workload"], scenario="", task_type=c["task_type"], model=c["model"], gpu_id=g,
                     gpu_count=c["gpu_count"], precision=c["precision"], metric=c["metric"], value=c["value"], unit=c["unit"],
                     higher_is_better="true", system=c["system"], submitter=c["submitter"], date=d, source_id=bsid(c["source"]),
                     notes="; ".join(x for x in [c["notes"], dn and f"date: {dn}"] if x)))
for n, r in enumerate(rows, 1):
    r["benchmark_id"] = n
COLS = ["benchmark_id", "suite", "round", "workload", "scenario", "task_type", "model", "gpu_id", "gpu_count", "precision", "metric", "value",
        "unit", "higher_is_better", "system", "submitter", "date", "source_id", "notes"]
write("benchmarks.csv", COLS, rows)
with open(OUT + "sources.csv", "a", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for s in BSRC: w.writerow(s)
print("benchmarks", len(rows), "curated MLPerf matched", len(matched), "of", len(cur_ml))
print(collections.Counter((r["suite"]) for r in rows))
for k, v in sorted(excluded.items()): print("EXCL", v, k)
