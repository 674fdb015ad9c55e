# One-off conversion script, kept for provenance (see data/README.md). Not run by the build or the tests.
# Run all with:  python data/import/reference_benchmarks.py && python data/import/models.py
# (reference_benchmarks imports reference_specs_prices, which rewrites gpus/spec_values/prices/sources.csv).
"""Import gpus, spec_values, prices, sources from ../shared/reference (or $GPUPLAN_REFERENCE_DIR) into data/*.csv."""
import csv, os, re, sys, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_sources import S
REF = os.environ.get("GPUPLAN_REFERENCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/reference")) + "/"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..") + "/"

def sid(text):
    for s in S:
        if s[1] in text:
            return s[0]
    raise SystemExit(f"no source for {text!r}")

VARIANT = {
 "A100 40GB SXM4": "a100-sxm4-40gb", "A100 80GB SXM4": "a100-sxm4-80gb", "A100 80GB PCIe": "a100-pcie-80gb",
 "H100 80GB SXM5": "h100-sxm5-80gb", "H100 80GB PCIe": "h100-pcie-80gb", "H100 NVL 94GB": "h100-nvl-94gb",
 "H200 141GB SXM": "h200-sxm-141gb", "B200 (HGX/DGX, 1000 W)": "b200-sxm-180gb", "B200 (HGX/DGX, 1000W)": "b200-sxm-180gb",
 "B200": "b200-sxm-180gb", "L40S": "l40s-48gb", "GeForce RTX 4090": "rtx4090-24gb", "GeForce RTX 5090": "rtx5090-32gb",
 "AMD Instinct MI300X": "mi300x-192gb",
}
NAMES = {
 "a100-sxm4-40gb": "NVIDIA A100 40GB SXM4", "a100-sxm4-80gb": "NVIDIA A100 80GB SXM4", "a100-pcie-80gb": "NVIDIA A100 80GB PCIe",
 "h100-sxm5-80gb": "NVIDIA H100 80GB SXM5", "h100-pcie-80gb": "NVIDIA H100 80GB PCIe", "h100-nvl-94gb": "NVIDIA H100 NVL 94GB",
 "h200-sxm-141gb": "NVIDIA H200 141GB SXM", "b200-sxm-180gb": "NVIDIA B200 180GB SXM (HGX/DGX, 1000 W)", "l40s-48gb": "NVIDIA L40S 48GB",
 "rtx4090-24gb": "NVIDIA GeForce RTX 4090 24GB", "rtx5090-32gb": "NVIDIA GeForce RTX 5090 32GB", "mi300x-192gb": "AMD Instinct MI300X 192GB",
}
ALIASES = {
 "a100-sxm4-40gb": "A100 40GB SXM4;A100 SXM4 40GB;A100-SXM4-40GB;A100-SXM-40GB;a100-40gb-sxm;A100 40GB SXM",
 "a100-sxm4-80gb": "A100 80GB SXM4;A100 SXM4 80GB;A100-SXM4-80GB;A100-SXM-80GB;a100-80gb-sxm;A100 80GB SXM",
 "a100-pcie-80gb": "A100 80GB PCIe;A100 PCIe 80GB;A100-PCIE-80GB;a100-80gb-pcie",
 "h100-sxm5-80gb": "H100 SXM;H100 SXM5;H100 80GB SXM5;H100 SXM5 80GB;H100-SXM5-80GB;H100-SXM-80GB;h100-80gb-sxm;H100 80GB SXM",
 "h100-pcie-80gb": "H100 PCIe;H100 80GB PCIe;H100 PCIe 80GB;H100-PCIE-80GB;h100-80gb-pcie",
 "h100-nvl-94gb": "H100 NVL;H100 NVL 94GB;H100-NVL-94GB;h100-94gb-nvl",
 "h200-sxm-141gb": "H200;H200 SXM;H200 141GB;H200 141GB SXM;H200-SXM-141GB;H200 SXM5",
 "b200-sxm-180gb": "B200;B200 SXM;HGX B200;DGX B200;B200-SXM-180GB",
 "l40s-48gb": "L40S;L40S 48GB;NVIDIA L40S",
 "rtx4090-24gb": "RTX 4090;4090;GeForce RTX 4090;RTX4090",
 "rtx5090-32gb": "RTX 5090;5090;GeForce RTX 5090;RTX5090",
 "mi300x-192gb": "MI300X;Instinct MI300X;AMD Instinct MI300X;MI300X 192GB",
}
INTERCONNECT = {"a100-sxm4-40gb": "nvlink3", "a100-sxm4-80gb": "nvlink3", "a100-pcie-80gb": "pcie", "h100-sxm5-80gb": "nvlink4",
 "h100-pcie-80gb": "pcie", "h100-nvl-94gb": "pcie", "h200-sxm-141gb": "nvlink4", "b200-sxm-180gb": "nvlink5", "l40s-48gb": "pcie",
 "rtx4090-24gb": "pcie", "rtx5090-32gb": "pcie", "mi300x-192gb": "infinity-fabric"}

num_re = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(.*)$")
def split_num(v):
    """'8000 (Epoch: 7700)' -> ('8000', '(Epoch: 7700)'); 'n/a (no FP8)' -> ('', 'n/a (no FP8)')."""
    v = v.strip()
    if not v:
        return "", ""
    m = num_re.match(v)
    if not m:
        return "", v
    return m.group(1), m.group(2).strip()

def write(name, cols, rows):
    with open(OUT + name, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})

# ---------------- gpus + spec_values
specs = list(csv.DictReader(open(REF + "gpu_specs.csv")))
cross = list(csv.DictReader(open(REF + "gpu_specs_crosscheck.csv")))
FIELD = {"memory_bandwidth_gbs": "memory_bandwidth_gbps"}
spec_rows = []
for c in cross:
    spec_rows.append(dict(gpu_id=VARIANT[c["gpu_variant"]], field=FIELD.get(c["field"], c["field"]), value=c["value"], unit=c["unit"],
                          source_id=sid(c["source"]), basis=c["basis_dense_sparse_or_note"],
                          note="; ".join(x for x in [c["note"], f"source date: {c['source_date']}" if c["source_date"] else ""] if x)))

launch = {"a100-sxm4-40gb": "2020-05-14", "a100-sxm4-80gb": "2020-11-16", "a100-pcie-80gb": "", "h100-sxm5-80gb": "2022-09-20",
          "h100-pcie-80gb": "2022-09-20", "h100-nvl-94gb": "2024-03-14", "h200-sxm-141gb": "2024-11-18", "b200-sxm-180gb": "2024-11-15",
          "l40s-48gb": "", "rtx4090-24gb": "2022-09-20", "rtx5090-32gb": "2025-01-30", "mi300x-192gb": "2023-12-06"}
gpus = []
for r in specs:
    g = VARIANT[r["gpu_variant"]]
    notes = []
    def num(col, label):
        v, rest = split_num(r[col])
        if rest:
            notes.append(f"{label}: reference cell '{r[col]}'")
        return v
    row = dict(gpu_id=g, name=NAMES[g], vendor=r["vendor"], architecture=r["architecture"], form_factor=r["form_factor"])
    row["memory_gb"] = num("memory_gb", "memory_gb")
    mt = r["memory_type"]
    if "(" in mt:
        notes.append(f"memory_type: reference cell '{mt}'"); mt = mt.split("(")[0].strip()
    row["memory_type"] = mt
    row["memory_bandwidth_gbps"] = num("memory_bandwidth_gbs", "memory_bandwidth_gbps")
    row["fp32_tflops"] = num("fp32_tflops_nontensor", "fp32_tflops")
    row["tf32_tflops_dense"] = num("tf32_tflops_dense", "tf32_tflops_dense")
    bf = num("bf16_fp16_tflops_dense", "bf16/fp16_tflops_dense")
    row["bf16_tflops_dense"] = row["fp16_tflops_dense"] = bf
    row["fp8_tflops_dense"] = num("fp8_tflops_dense", "fp8_tflops_dense")
    row["int8_tops_dense"] = num("int8_tops_dense", "int8_tops_dense")
    row["interconnect"] = INTERCONNECT[g]
    nv = r["nvlink_or_fabric_gbs_bidir"]
    if nv.strip() == "none":
        row["nvlink_gbps"] = ""
    else:
        row["nvlink_gbps"] = num("nvlink_or_fabric_gbs_bidir", "nvlink_gbps")
    pg = r["pcie_gen"]
    m = re.match(r"^Gen(\d)", pg)
    row["pcie_gen"] = m.group(1) if m else ""
    if pg and (not m or pg != f"Gen{m.group(1)}"):
        notes.append(f"pcie: reference cell '{pg}'")
    row["tdp_w"] = num("tdp_w", "tdp_w") if "-" not in r["tdp_w"].split("(")[0] else ""
    if "-" in r["tdp_w"].split("(")[0]:
        notes.append(f"tdp_w: reference cell '{r['tdp_w']}'")
    row["launch_date"] = launch[g]
    notes.append(f"launch: {r['release_date_note']}" if r["release_date_note"] else "")
    pn = r["process_node"]
    if "(" in pn:
        notes.append(f"process_node: reference cell '{pn}'"); pn = pn.split("(")[0].strip()
    row["process_node"] = pn
    row["aliases"] = ALIASES[g]
    row["notes"] = " | ".join(x for x in [r["notes"]] + notes if x)
    gpus.append(row)
    row["_keys"] = r["source_keys"]

# primary source per gpu: the source whose crosscheck values agree with most of the row's preferred numbers
COLMAP = {"memory_gb": "memory_gb", "memory_bandwidth_gbps": "memory_bandwidth_gbps", "fp32_tflops": "fp32_tflops",
          "tf32_tflops": "tf32_tflops_dense", "bf16_fp16_tflops": "bf16_tflops_dense", "fp8_tflops": "fp8_tflops_dense",
          "int8_tops": "int8_tops_dense", "tdp_w": "tdp_w"}
for row in gpus:
    score = collections.Counter()
    for s in spec_rows:
        if s["gpu_id"] != row["gpu_id"] or s["field"] not in COLMAP:
            continue
        want = row[COLMAP[s["field"]]]
        if s["field"] in ("tf32_tflops", "bf16_fp16_tflops", "fp8_tflops", "int8_tops") and s["basis"] not in ("dense", ""):
            continue
        try:
            if want and abs(float(split_num(s["value"])[0] or "nan") - float(want)) < 1e-6:
                score[s["source_id"]] += 1
        except ValueError:
            pass
    best = score.most_common()
    row["source_id"] = best[0][0]
    row["_score"] = best[:3]

GPU_COLS = ["gpu_id", "name", "vendor", "architecture", "form_factor", "memory_gb", "memory_type", "memory_bandwidth_gbps",
            "fp32_tflops", "tf32_tflops_dense", "bf16_tflops_dense", "fp16_tflops_dense", "fp8_tflops_dense", "int8_tops_dense",
            "interconnect", "nvlink_gbps", "pcie_gen", "tdp_w", "launch_date", "process_node", "aliases", "source_id", "notes"]
write("gpus.csv", GPU_COLS, gpus)
write("spec_values.csv", ["gpu_id", "field", "value", "unit", "source_id", "basis", "note"], spec_rows)
for row in gpus:
    print(row["gpu_id"], row["_score"])

# ---------------- prices
prices_ref = list(csv.DictReader(open(REF + "gpu_prices.csv")))
def kind_of(t, ptype):
    t = t.lower()
    if ptype == "purchase": return "purchase"
    if "spot" in t: return "spot"
    if "capacity block" in t or "reserv" in t or "contract" in t: return "reserved"
    return "on-demand"   # on-demand*, serverless, hosted, "Starting at"
def date_of(d):
    d = d.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d): return d, ""
    m = re.match(r"^(\d{4}-\d{2}-\d{2}) \((.*)\)$", d)
    if m: return m.group(1), d
    if re.fullmatch(r"\d{4}-\d{2}", d): return d + "-01", f"source gives month only ({d}); stored as the month's first day"
    if re.fullmatch(r"\d{4}", d): return d + "-01-01", f"source gives year only ({d}); stored as 1 January"
    m = re.fullmatch(r"Q(\d) (\d{4})", d)
    if m: return f"{m.group(2)}-{3*int(m.group(1))-2:02d}-01", f"source gives quarter only ({d}); stored as the quarter's first day"
    return "", (f"source date '{d}' not precise enough to store" if d else "undated")
out, excluded = [], []
for i, r in enumerate(prices_ref):
    g = VARIANT.get(r["gpu"])
    if g is None:
        excluded.append((r["gpu"], r["provider"] or "purchase", r["usd_per_gpu_hour"] or r["purchase_price_usd"], r["source"][:60]))
        continue
    k = kind_of(r["commitment_type"], r["price_type"])
    d, dn = date_of(r["date_observed"])
    if r["date_basis"]:
        dn = "; ".join(x for x in [dn, r["date_basis"]] if x)
    notes = [x for x in [r["gpu_variant_detail"] and f"variant: {r['gpu_variant_detail']}", r["notes"]] if x]
    pu = r["purchase_price_usd"]
    if "-" in pu:
        lo, hi = pu.split("-")
        notes.append(f"source gives a range {pu} USD; purchase_usd holds the low end")
        pu = lo
    if r["usd_per_instance_hour"]:
        notes.append(f"instance price {r['usd_per_instance_hour']} USD/hour")
    if "Starting at" in r["commitment_type"]:
        notes.append("term not stated by the source; read as an on-demand list price")
    out.append(dict(price_id=len(out) + 1, gpu_id=g, provider=r["provider"], kind=k, usd_per_gpu_hour=r["usd_per_gpu_hour"],
                    purchase_usd=pu, gpus_per_instance=r["gpus_per_instance"], region=r["region"], date_observed=d,
                    date_note=dn, term=r["commitment_type"] if k != "purchase" else r["gpu_variant_detail"], source_id=sid(r["source"]),
                    notes=" | ".join(notes)))
write("prices.csv", ["price_id", "gpu_id", "provider", "kind", "usd_per_gpu_hour", "purchase_usd", "gpus_per_instance", "region",
                     "date_observed", "date_note", "term", "source_id", "notes"], out)
print("prices", len(out), "excluded", len(excluded))
for e in excluded: print("  EXCL", e)

# ---------------- sources
write("sources.csv", ["source_id", "title", "url", "publisher", "published_date", "accessed_date", "reliability", "note"],
      [dict(zip(["source_id", "_m", "title", "url", "publisher", "published_date", "accessed_date", "reliability", "note"], s)) for s in S])
ids = [s[0] for s in S]; assert len(ids) == len(set(ids))
