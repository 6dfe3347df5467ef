"""Large images (issue 11, case 16): a 72-megapixel PNG embeds, and the GUI shows a downscaled preview
decoded by Pillow instead of "This image cannot be shown" (Qt refuses to allocate over 256 MB)."""
from __future__ import annotations

import os

import pytest
from PIL import Image

pytest.importorskip("pytestqt")

from desktop_app.qt.images import ImageCache, load_preview
from desktop_app.qt.item_view import ItemView

SHOTS = os.environ.get("SHOAL_SHOTS")  # set to a folder to keep the screenshots


@pytest.fixture(scope="module")
def big_png(tmp_path_factory):
    """9000 x 8000 (72 Mpx, 288 MB as Qt's RGBA): a solid colour, so it is cheap to write."""
    path = tmp_path_factory.mktemp("big") / "big.png"
    img = Image.new("RGB", (9000, 8000), (30, 140, 200))
    img.paste((250, 200, 20), (0, 0, 4500, 8000))   # left half yellow: shows the preview is not mirrored
    img.save(path, compress_level=1)
    return path


def _shown(qtbot, tmp_path, image, name):
    view = ItemView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    qtbot.waitExposed(view)
    view.show_image(image)
    qtbot.wait(50)
    shot = view.grab()
    shot.save(str(tmp_path / name))
    if SHOTS:
        shot.save(os.path.join(SHOTS, name))
    return view, shot.toImage()


def test_a_72_megapixel_png_is_shown_downscaled(qtbot, tmp_path, big_png):
    cache = ImageCache()
    assert cache.get(str(big_png), 1024) is None          # scheduled off the GUI thread
    with qtbot.waitSignal(cache.loaded, timeout=60_000):
        pass
    image = cache.get(str(big_png), 1024)
    assert image is not None and not image.isNull()
    assert (image.width(), image.height()) == (1024, 910)   # longer side 1024, aspect kept
    left, right = image.pixelColor(100, 455), image.pixelColor(900, 455)
    assert (left.red(), left.green(), left.blue()) == (250, 200, 20)
    assert (right.red(), right.green(), right.blue()) == (30, 140, 200)
    view, shot = _shown(qtbot, tmp_path, image, "large_image_preview.png")
    assert view.currentWidget() is view.image              # not the "cannot be shown" page
    c = shot.pixelColor(shot.width() // 4, shot.height() // 2)
    assert (c.red(), c.green(), c.blue()) == (250, 200, 20)
    cache.clear()


def test_small_images_still_go_through_qt_and_bad_files_show_the_message(qtbot, tmp_path):
    small = tmp_path / "small.png"
    Image.new("RGB", (40, 30), (0, 255, 0)).save(small)
    image = load_preview(str(small), 1024)
    assert (image.width(), image.height()) == (40, 30)
    os.mkfifo(tmp_path / "fifo.png")                       # would block a decoder thread forever
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    for bad in (tmp_path / "fifo.png", tmp_path / "junk.png", tmp_path / "gone.png", None):
        assert load_preview(str(bad) if bad else None, 1024).isNull()
    view, _ = _shown(qtbot, tmp_path, load_preview(str(tmp_path / "fifo.png"), 1024), "cannot_be_shown.png")
    assert view.currentWidget() is view.empty and view.empty.text() == "This image cannot be shown"
