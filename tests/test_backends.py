"""The ONNX runtime wrappers: same answers as eager PyTorch, tiling without seams, backends by name."""

import numpy as np
import pytest
from pages import manga_page

from mangaclean.backends import load_models
from mangaclean.backends.onnx_runtime import OnnxInpainter, OnnxSegmenter
from mangaclean.backends.tiling import tile_spans
from mangaclean.errors import ModelError
from mangaclean.pipeline import Models, clean_page

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Tiny segmenter and inpainter exported to ONNX with their manifests."""
    from mangaclean.export.onnx import export_with_manifest
    from mangaclean.models.registry import build_model

    folder = tmp_path_factory.mktemp("onnx")
    torch.manual_seed(0)
    models = {name: build_model(name).eval() for name in ("seg_tiny", "inpaint_pconv_tiny")}
    for name, model in models.items():
        export_with_manifest(model, folder / f"{name}.onnx", dynamo=False)
    return folder, models


def test_segmenter_matches_eager(exported):
    folder, models = exported
    page, _ = manga_page(0, 301, 203)
    onnx = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1, min_long_side=1).probability(page)
    model = models["seg_tiny"]
    x = (torch.from_numpy(page).float()[None, None] / 255 - model.config.mean) / model.config.std
    eager = model.predict(x)[0, 0].numpy() * 255
    assert onnx.shape == page.shape and onnx.dtype == np.uint8
    assert np.abs(onnx - eager).max() <= 0.5 + 1e-4 * 255  # uint8 rounding only


def test_tiled_segmentation_matches_whole_page(exported):
    folder, _ = exported
    page, _ = manga_page(1, 400, 300)
    whole = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1, min_long_side=1).probability(page)
    tiled = OnnxSegmenter(
        folder / "seg_tiny.onnx", threads=1, tile=128, overlap=32, min_long_side=1
    ).probability(page)
    assert np.abs(whole.astype(int) - tiled).mean() < 0.01 * 255
    assert ((whole > 127) == (tiled > 127)).mean() > 0.99
    no_arena = OnnxSegmenter(
        folder / "seg_tiny.onnx", threads=1, tile=128, overlap=32, min_long_side=1, arena=False
    )
    assert np.array_equal(no_arena.probability(page), tiled)  # nothing to shrink: still runs


@pytest.mark.parametrize("length", [1, 100, 128, 129, 1000])
def test_tile_spans_cover_once(length):
    covered = np.zeros(length, int)
    for r0, r1, k0, k1 in tile_spans(length, 128, 32):
        assert r0 <= k0 < k1 <= r1 and r1 - r0 <= 128
        covered[k0:k1] += 1
    assert (covered == 1).all()


def test_onnx_inpainter_in_the_pipeline_changes_only_the_mask(exported):
    folder, _ = exported
    page, _ = manga_page(2)
    models = Models(load_models("classical").segmenter, OnnxInpainter(folder / "inpaint_pconv_tiny.onnx"))
    from mangaclean.pipeline import CleanOptions

    result = clean_page(page, models, CleanOptions(fill="inpaint"))
    assert result.mask.any()
    assert np.array_equal(result.page[~result.mask], page[~result.mask])


def test_unknown_backend_and_missing_file(tmp_path):
    with pytest.raises(ModelError, match="unknown segmenter"):
        load_models("nonsense")
    with pytest.raises(ModelError, match="not found"):
        OnnxSegmenter(tmp_path / "missing.onnx")


def test_huge_pages_are_segmented_at_the_working_resolution(exported):
    folder, _ = exported
    page, _ = manga_page(3, 400, 300)
    capped = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1, max_short_side=150).probability(page)
    raised = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1, min_long_side=600).probability(page)
    fixed = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1)
    fixed.fixed_scale = 0.5  # eval --scales: the clamp no longer applies
    assert raised.shape == capped.shape == fixed.probability(page).shape == page.shape
    assert raised.dtype == capped.dtype == np.uint8


def test_the_working_scale_keeps_the_lettering_size(exported):
    folder, _ = exported
    segmenter = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1)
    assert segmenter.working_scale(1170, 827) == 1.0  # a Manga109 scan: as it is
    assert segmenter.working_scale(20000, 800) == 1.0  # a webtoon strip keeps its lettering's size
    assert segmenter.working_scale(1170, 1654) == 1.0  # so does a two-page spread
    assert segmenter.working_scale(2570, 1807) == pytest.approx(1200 / 1807)  # a big scan: shrunk
    assert segmenter.working_scale(720, 540) == pytest.approx(1.25)  # a small web page: enlarged
    assert segmenter.working_scale(420, 1100) == 1.0  # a wide strip is not: its long side is page-sized


def test_a_corrupted_model_file_is_refused(exported, tmp_path):
    import shutil

    folder, _ = exported
    for suffix in (".onnx", ".json"):
        shutil.copy(folder / f"seg_tiny{suffix}", tmp_path / f"seg_tiny{suffix}")
    with open(tmp_path / "seg_tiny.onnx", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        OnnxSegmenter(tmp_path / "seg_tiny.onnx")


def test_eager_torch_segmenter_matches_onnx(exported, tmp_path):
    """``torch:WEIGHTS`` (bench's eager engine) gives the ONNX runtime's probabilities."""
    from mangaclean.backends import load_segmenter
    from mangaclean.backends.checkpoint import save_checkpoint

    folder, models = exported
    save_checkpoint(models["seg_tiny"], tmp_path / "seg_tiny.safetensors")
    eager = load_segmenter(f"torch:{tmp_path / 'seg_tiny.safetensors'}", threads=1)
    onnx = OnnxSegmenter(folder / "seg_tiny.onnx", threads=1)
    eager.min_long_side = onnx.min_long_side = 1
    page, _ = manga_page(4, 300, 200)
    difference = np.abs(eager.probability(page).astype(int) - onnx.probability(page))
    assert difference.max() <= 1
    assert load_segmenter("torch:seg_tiny", threads=1).probability(page).shape == page.shape


def test_bench_configs_take_paths_and_labels():
    from mangaclean.commands.bench import parse_config

    plain = parse_config("classical")
    assert (plain.label, plain.segmenter, plain.inpainter) == ("classical", "classical", "auto")
    config = parse_config("seed=torch:runs/a/best.safetensors/telea")
    assert config.label == "seed" and config.inpainter == "telea"
    assert config.segmenter == "torch:runs/a/best.safetensors"


def test_grey_inpainting_network_fills_each_colour_channel(exported):
    """A one-channel network on a colour page: each channel is filled from its own pixels (a red
    area stays red), not a grey copy."""
    folder, _ = exported
    inpainter = OnnxInpainter(folder / "inpaint_pconv_tiny.onnx", threads=1)
    image = np.zeros((70, 90, 3), np.uint8)
    image[..., 0] = 200  # red everywhere
    hole = np.zeros((70, 90), bool)
    hole[20:40, 30:60] = True
    out = inpainter.inpaint(image, hole)
    single = inpainter.inpaint(np.ascontiguousarray(image[..., 0]), hole)
    assert out.shape == image.shape
    assert np.array_equal(out[..., 0], single)
    assert np.array_equal(out[..., 1], inpainter.inpaint(np.zeros((70, 90), np.uint8), hole))


def test_every_registered_backend_loads_by_name(monkeypatch):
    from mangaclean.backends import INPAINTERS, SEGMENTERS, load_inpainter, load_segmenter
    from mangaclean.errors import BackendUnavailableError

    for name in SEGMENTERS:
        try:
            segmenter = load_segmenter(name, threads=1)
        except BackendUnavailableError:  # ppocr without the eval extra
            continue
        assert callable(segmenter.probability) and segmenter.name
    for name in INPAINTERS:
        try:
            inpainter = load_inpainter(name, threads=1)
        except ModelError as exc:  # net-*: no inpainting network ships yet
            assert "ships no inpainter" in str(exc)
            continue
        assert callable(inpainter.inpaint) and inpainter.name
    with pytest.raises(ModelError, match="unknown inpainter"):
        load_inpainter("nonsense")
    monkeypatch.setitem(SEGMENTERS, "mine", lambda threads: "a plugged-in backend")
    assert load_segmenter("mine") == "a plugged-in backend"
