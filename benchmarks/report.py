"""Markdown tables for the results of ``measure.py`` (no torch needed)."""

from __future__ import annotations

from typing import Any


def _ms(timing: dict[str, Any] | None) -> str:
    if not timing:
        return "-"
    if "error" in timing:
        return "failed"
    return f"{timing['median_s'] * 1000:.0f}"


def _mb(timing: dict[str, Any] | None, key: str = "peak_rss_mb") -> str:
    if not timing or timing.get(key) is None:
        return "-"
    return f"{timing[key]:.0f}"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None, key: str = "median_s") -> str:
    """b / a as 'x.xx x'."""
    if not a or not b or "error" in a or "error" in b or not a.get(key):
        return "-"
    return f"{b[key] / a[key]:.2f}x"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def variants_table(variants: list[dict[str, Any]]) -> str:
    header = [
        "variant", "params (M)", "GFLOPs", "eager ms", "eager peak MB", "ORT fp32 ms",
        "fp32 peak MB", "ORT int8 ms", "int8 peak MB", "int8 / fp32",
    ]  # fmt: skip
    rows = []
    for v in variants:
        fp32, int8 = v.get("ort_fp32"), v.get("ort_int8")
        rows.append(
            [
                f"`{v['variant']}`",
                f"{v['params'] / 1e6:.3f}",
                f"{v['gflops']:.1f}",
                _ms(v.get("eager")),
                _mb(v.get("eager")),
                _ms(fp32),
                _mb(fp32),
                _ms(int8),
                _mb(int8),
                _ratio(fp32, int8),
            ]
        )
    return _table(header, rows)


def claim_a(claim: dict[str, Any]) -> str:
    rows = [
        [
            f"{r['width']:g}",
            f"{r['encoder_params'] / 1e6:.2f}",
            f"{r['encoder_gflops']:.1f}",
            _ms(r["encoder_eager"]),
            _mb(r["encoder_eager"], "peak_delta_mb"),
            f"{r['segmenter_gflops']:.1f}",
            _ms(r["segmenter_ort_fp32"]),
        ]
        for r in claim["rows"]
    ]
    w1, w2 = claim["rows"]
    ratio = [
        "2 / 1",
        _ratio(w1, w2, "encoder_params"),
        _ratio(w1, w2, "encoder_gflops"),
        _ratio(w1["encoder_eager"], w2["encoder_eager"]),
        _ratio(w1["encoder_eager"], w2["encoder_eager"], "peak_delta_mb"),
        _ratio(w1, w2, "segmenter_gflops"),
        _ratio(w1["segmenter_ort_fp32"], w2["segmenter_ort_fp32"]),
    ]
    header = [
        "width", "encoder params (M)", "encoder GFLOPs", "encoder eager ms",
        "encoder eager +MB", "segmenter GFLOPs", "segmenter ORT fp32 ms",
    ]  # fmt: skip
    return _table(header, rows + [ratio])


def claim_pconv(claim: dict[str, Any], field: str) -> str:
    rows = []
    for r in claim["rows"]:
        row = [
            f"`{r['variant']}`",
            str(r[field]),
            f"{r['params'] / 1e6:.2f}",
            f"{r['gflops']:.1f}",
            _ms(r["eager_infer"]),
            _mb(r["eager_infer"], "peak_delta_mb"),
            _ms(r["eager_train"]),
            _mb(r["eager_train"], "peak_delta_mb"),
        ]
        if field == "separable":
            row.append(_ms(r.get("ort_fp32")))
        rows.append(row)
    header = [
        "variant", field, "params (M)", "GFLOPs", "infer ms", "infer +MB", "train step ms",
        "train +MB",
    ]  # fmt: skip
    if field == "separable":
        header.append("ORT fp32 ms")
    return _table(header, rows)


def claim_d(claim: dict[str, Any]) -> str:
    rows = [
        [
            f"`{r['variant']}`",
            r["upsample"],
            f"{r['params'] / 1e6:.2f}",
            f"{r['gflops']:.1f}",
            _ms(r.get("eager")),
            _ms(r["ort_fp32"]),
        ]
        for r in claim["rows"]
    ]
    return _table(["variant", "upsampling", "params (M)", "GFLOPs", "eager ms", "ORT fp32 ms"], rows)


def claim_e(claim: dict[str, Any]) -> str:
    rows = [[r["exporter"], _ms(r["ort_fp32"]), _mb(r["ort_fp32"])] for r in claim["rows"]]
    return _table(["exporter", "ORT fp32 ms", "peak MB"], rows)


def claim_s(claim: dict[str, Any]) -> str:
    rows = [
        [
            r["channels"],
            str(r["pad_multiple"]),
            f"{r['params'] / 1e6:.2f}",
            f"{r['gflops']:.1f}",
            _ms(r["ort_fp32"]),
            _mb(r["ort_fp32"]),
        ]
        for r in claim["rows"]
    ]
    header = ["channels per level", "pad multiple", "params (M)", "GFLOPs", "ORT fp32 ms", "peak MB"]
    return _table(header, rows)


def render(result: dict[str, Any]) -> str:
    env = result["environment"]
    parts = [
        f"Command: `{env['command']}`  \n"
        f"Machine: {env['cpu']}, {env['cores']} cores, {env['threads']} threads; "
        f"torch {env['torch']}, onnxruntime {env['onnxruntime']}, allocator {env['allocator']}; "
        f"{env['date']}; load average (1, 5, 15 min) {env.get('load_average_at_start')} at the "
        f"start, {env.get('load_average_at_end')} at the end\n",
        "## Variants\n",
        variants_table(result["variants"]),
    ]
    claims = result.get("claims", {})
    titles = {
        "a": "(a) Encoder width 2 vs 1",
        "b": "(b) masked_fill_ vs torch.where (use_where)",
        "c": "(c) Depthwise-separable vs standard partial convolutions",
        "d": "(d) Decoder upsampling methods",
        "e": "Exporter: dynamo vs TorchScript",
        "s": "Sizing the small partial-conv inpainter",
    }
    renderers = {
        "a": claim_a,
        "b": lambda c: claim_pconv(c, "use_where"),
        "c": lambda c: claim_pconv(c, "separable"),
        "d": claim_d,
        "e": claim_e,
        "s": claim_s,
    }
    for key, claim in claims.items():
        parts += [f"\n## {titles[key]}\n", renderers[key](claim)]
    return "\n".join(parts)
