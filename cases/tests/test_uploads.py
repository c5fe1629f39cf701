"""Uploaded materials are judged by their bytes: photos are re-encoded clean, PDFs must be plain.

Every fixture is generated here, small, so the suite stays fast and the repository holds no binaries.
"""

import io
import os
import random
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from cases import uploads
from cases.uploads import (
    MAX_UPLOAD_BYTES,
    InspectedUpload,
    UploadRejected,
    delete_stored,
    inspect_upload,
    open_stored,
    store_upload,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112


# -- Builders -----------------------------------------------------------------------------------


def jpeg_bytes(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def png_bytes(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def two_tone(width: int, height: int) -> Image.Image:
    """Red on top, blue below, so a rotation shows."""
    image = Image.new("RGB", (width, height), (220, 0, 0))
    image.paste((0, 0, 220), (0, height // 2, width, height))
    return image


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: EXIF with GPS and orientation 6 (turn 90° clockwise), XMP, ICC."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (34.0, 13.0, 5.0), 3: "E", 4: (108.0, 56.0, 30.0), 18: "WGS-84"})
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return jpeg_bytes(
        two_tone(800, 600),
        exif=exif,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">lat 34.2181</x:xmpmeta>',
        comment=b"COMMENT-MARKER",
        icc_profile=srgb,
    )


def jpeg_markers(data: bytes) -> list[int]:
    """The segment markers before the image data."""
    markers, position = [], 2
    while data[position] == 0xFF:
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan
            break
        position += 2 + struct.unpack(">H", data[position + 2 : position + 4])[0]
    return markers


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb costs nothing to build."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(*objects: bytes, trailer: bytes = b"/Root 1 0 R", header: bytes = b"%PDF-1.4") -> bytes:
    """A PDF with the given objects (numbered from 1), a correct xref table and %%EOF."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d " % (len(objects) + 1) + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def stream_object(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(objects: dict[int, bytes], *, dictionary: bytes = b"/Type /ObjStm", compress: bool = True) -> bytes:
    """An object stream holding the given objects, Flate-compressed unless told otherwise."""
    header, body = [], b""
    for number, text in objects.items():
        header.append(b"%d %d" % (number, len(body)))
        body += text + b"\n"
    index = b" ".join(header) + b"\n"
    data = index + body
    filters = b""
    if compress:
        data, filters = zlib.compress(data), b" /Filter /FlateDecode"
    return stream_object(dictionary + b" /N %d /First %d" % (len(objects), len(index)) + filters, data)


def minimal_pdf() -> bytes:
    return pdf_bytes(CATALOG, PAGES, PAGE)


def reject(name: str, data: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name=name, stream=data)
    return caught.value


# -- Photos -------------------------------------------------------------------------------------


def test_a_phone_photo_is_turned_upright_and_keeps_none_of_its_metadata() -> None:
    original = phone_photo()
    with Image.open(io.BytesIO(original)) as source:  # the fixture really carries it all
        assert source.getexif().get_ifd(GPS_IFD)[18] == "WGS-84"
        assert source.getexif()[ORIENTATION] == 6

    upload = inspect_upload(name="IMG_0001.JPG", stream=original)

    assert (upload.kind, upload.content_type, upload.extension) == ("image", "image/jpeg", "jpg")
    assert (upload.width, upload.height) == (600, 800)
    with Image.open(io.BytesIO(upload.content)) as clean:
        assert clean.format == "JPEG"
        assert clean.size == (600, 800)
        assert len(clean.getexif()) == 0
        assert "icc_profile" not in clean.info
        # Turned clockwise: what was the top (red) is now the right-hand side.
        right, left = clean.convert("RGB").getpixel((500, 400)), clean.convert("RGB").getpixel((100, 400))
        assert right[0] > 150 > right[2]
        assert left[2] > 150 > left[0]
    for leak in (b"Exif", b"WGS-84", b"PhoneMaker", b"xmpmeta", b"COMMENT-MARKER"):
        assert leak not in upload.content
    # Only the JFIF header, tables and frame: no APP1-APP15 (EXIF, XMP, ICC) and no comment.
    assert not set(jpeg_markers(upload.content)) & ({*range(0xE1, 0xF0)} | {0xFE})
    assert upload.size == len(upload.content)


def test_a_photo_gets_a_jpeg_thumbnail_of_at_most_320_pixels() -> None:
    upload = inspect_upload(name="IMG_0001.JPG", stream=phone_photo())

    assert upload.thumbnail is not None
    with Image.open(io.BytesIO(upload.thumbnail)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == (240, 320)
        assert len(thumbnail.getexif()) == 0


def test_a_png_stays_a_png_and_keeps_its_transparency() -> None:
    image = Image.new("RGBA", (40, 30), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"

    upload = inspect_upload(name="screenshot.png", stream=png_bytes(image, exif=exif))

    assert (upload.content_type, upload.extension, upload.width, upload.height) == ("image/png", "png", 40, 30)
    with Image.open(io.BytesIO(upload.content)) as clean:
        assert clean.format == "PNG"
        assert clean.getpixel((5, 5))[3] == 0
        assert len(clean.getexif()) == 0
    assert b"PhoneMaker" not in upload.content
    assert upload.thumbnail is not None and upload.thumbnail.startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize(
    ("name", "data", "smuggled"),
    [
        ("page.png", png_bytes(two_tone(30, 20)) + b"<html><script>alert(1)</script></html>", b"<script>"),
        ("page.jpg", jpeg_bytes(two_tone(30, 20)) + b"PK\x03\x04zipped-payload", b"PK\x03\x04"),
    ],
)
def test_whatever_trails_a_valid_image_is_dropped_by_re_encoding(name: str, data: bytes, smuggled: bytes) -> None:
    upload = inspect_upload(name=name, stream=data)

    assert smuggled not in upload.content


def test_a_sixteen_bit_grey_scan_is_scaled_to_eight_bits_not_clipped_to_white() -> None:
    upload = inspect_upload(name="scan.png", stream=png_bytes(Image.new("I;16", (20, 20), 32768)))

    with Image.open(io.BytesIO(upload.content)) as clean:
        assert clean.mode == "L"
        assert 120 < clean.getpixel((0, 0)) < 136


def test_a_cmyk_jpeg_is_stored_as_rgb() -> None:
    upload = inspect_upload(name="print.jpg", stream=jpeg_bytes(Image.new("CMYK", (20, 20), (0, 255, 255, 0))))

    with Image.open(io.BytesIO(upload.content)) as clean:
        assert clean.mode == "RGB"


def test_a_heic_photo_from_an_iphone_is_upright_and_stored_as_jpeg() -> None:
    pytest.importorskip("pillow_heif")
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    buffer = io.BytesIO()
    two_tone(64, 48).save(buffer, "HEIF", quality=80, exif=exif.tobytes())

    upload = inspect_upload(name="IMG_0002.HEIC", stream=buffer.getvalue())

    assert (upload.content_type, upload.extension) == ("image/jpeg", "jpg")
    assert (upload.width, upload.height) == (48, 64)
    assert b"Exif" not in upload.content


def test_an_uploaded_file_from_django_is_read_like_any_stream() -> None:
    uploaded = SimpleUploadedFile("IMG.jpg", jpeg_bytes(two_tone(30, 20)), content_type="application/octet-stream")

    assert inspect_upload(name=uploaded.name or "", stream=uploaded).content_type == "image/jpeg"


# -- PDFs ---------------------------------------------------------------------------------------


def test_a_minimal_pdf_is_accepted_unchanged_with_its_page_count() -> None:
    data = minimal_pdf()

    upload = inspect_upload(name="certificate.pdf", stream=data)

    assert (upload.kind, upload.content_type, upload.extension, upload.pages) == ("pdf", "application/pdf", "pdf", 1)
    assert upload.content == data
    assert upload.thumbnail is None
    assert upload.width is upload.height is None
    assert len(upload.sha256) == 64


def test_pages_inside_compressed_object_streams_are_counted() -> None:
    pages = {
        3: b"<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 >>",
        4: b"<< /Type /Page /Parent 3 0 R >>",
        5: b"<< /Type /Page /Parent 3 0 R >>",
    }
    data = pdf_bytes(b"<< /Type /Catalog /Pages 3 0 R >>", object_stream(pages))

    assert inspect_upload(name="two-pages.pdf", stream=data).pages == 2


def test_a_page_rewritten_by_an_incremental_update_counts_once() -> None:
    original = minimal_pdf()
    xref_at = len(original) + len(b"3 0 obj\n" + PAGE + b"\nendobj\n")
    update = b"3 0 obj\n" + PAGE + b"\nendobj\nxref\n3 1\n%010d 00000 n \n" % len(original)
    update += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at

    assert inspect_upload(name="signed.pdf", stream=original + update).pages == 1


def test_binary_stream_data_that_happens_to_look_like_a_script_name_is_not_a_false_alarm() -> None:
    noise = random.Random(7).randbytes(4000)
    image = b"/Type /XObject /Subtype /Image /Width 10 /Height 10 /Filter /DCTDecode"
    data = pdf_bytes(CATALOG, PAGES, PAGE, stream_object(image, noise[:2000] + b"/JS (x)" + noise[2000:]))

    assert inspect_upload(name="scan.pdf", stream=data).pages == 1


def test_an_open_action_that_only_shows_the_first_page_is_allowed() -> None:
    data = pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>", PAGES, PAGE)

    assert inspect_upload(name="fit.pdf", stream=data).pages == 1


@pytest.mark.parametrize(
    "catalog",
    [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61va#53cript /J#53 (app.alert(1)) >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /AA << /O << /JS (app.alert(1)) >> >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 9 0 R] >> >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /XFA 9 0 R >> >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /GoToR /F (\\\\\\\\host\\\\share\\\\x.pdf) >> >>",
    ],
    ids=["javascript", "escaped-names", "js-only", "launch", "embedded-file", "xfa", "remote-goto"],
)
def test_a_pdf_with_active_content_is_refused(catalog: bytes) -> None:
    error = reject("form.pdf", pdf_bytes(catalog, PAGES, PAGE))

    assert error.code == "active_pdf"
    assert "form.pdf" in error.messages[0]


@pytest.mark.parametrize(
    "dictionary",
    [b"/Type /ObjStm", b"/Type /Something"],
    ids=["object-stream", "object-stream-without-its-type"],
)
def test_javascript_hidden_in_a_compressed_object_stream_is_found(dictionary: bytes) -> None:
    hidden = object_stream({4: b"<< /Type /Action /S /JavaScript /JS 5 0 R >>"}, dictionary=dictionary)
    data = pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", PAGES, PAGE, hidden)

    assert reject("report.pdf", data).code == "active_pdf"


def test_an_action_hidden_in_the_data_of_another_stream_is_found() -> None:
    # A reader that follows a cross-reference offset into the stream data would run it.
    smuggled = stream_object(b"", b"9 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n")
    data = pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>", PAGES, PAGE, smuggled)

    assert reject("report.pdf", data).code == "active_pdf"


def test_an_object_stream_compressed_twice_cannot_be_checked_and_is_refused() -> None:
    inner = zlib.compress(b"4 0\n<< /S /JavaScript /JS (x) >>\n")
    twice = stream_object(b"/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode]", zlib.compress(inner))

    assert reject("report.pdf", pdf_bytes(CATALOG, PAGES, PAGE, twice)).code == "bad_pdf"


def test_an_object_stream_that_inflates_without_end_is_refused() -> None:
    bomb = stream_object(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zlib.compress(b" " * 40_000_000, 9))

    assert reject("bomb.pdf", pdf_bytes(CATALOG, PAGES, PAGE, bomb)).code == "bad_pdf"


@pytest.mark.parametrize(
    "data",
    [
        minimal_pdf().replace(b"%%EOF", b"%%END"),
        minimal_pdf() + b"\x00" * 2048,
        minimal_pdf().replace(b"xref\n0 4", b"xrel\n0 4"),
        pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"),
        pdf_bytes(CATALOG, PAGES, PAGE, trailer=b"/Root 1 0 R /Encrypt 9 0 R"),
        pdf_bytes(CATALOG, PAGES, PAGE, header=b"%PDF-9.9"),
    ],
    ids=["no-eof", "junk-after-eof", "no-xref", "no-pages", "encrypted", "unknown-version"],
)
def test_a_pdf_that_is_not_whole_and_plain_is_refused(data: bytes) -> None:
    error = reject("scan.pdf", data)

    assert error.code == "bad_pdf"
    assert "scan.pdf" in error.messages[0]


# -- Refusals -----------------------------------------------------------------------------------

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.jpg", b"", "empty"),
        ("photo.jpg", b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES - 2), "too_large"),
        ("page.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "corrupt_image"),
        (
            "photo.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode." + bytes(200),
            "unsupported_type",
        ),
        ("scan.pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(200), "unsupported_type"),
        ("photo.jpg", jpeg_bytes(two_tone(64, 48))[:-200], "corrupt_image"),
        ("id.png", b"This is my ID card number 610113199001011234\n", "unsupported_type"),
        ("logo.svg", SVG, "unsupported_type"),
        ("logo.png", SVG, "unsupported_type"),
        ("animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "unsupported_type"),
        ("bomb.png", png_declaring(20_000, 20_000), "image_too_large"),
        ("huge.png", png_declaring(8_000, 8_000), "image_too_large"),
    ],
    ids=[
        "empty",
        "one-byte-too-many",
        "png-header-then-html",
        "windows-executable",
        "elf-binary",
        "truncated-jpeg",
        "text-named-png",
        "svg",
        "svg-named-png",
        "gif",
        "decompression-bomb",
        "more-pixels-than-allowed",
    ],
)
def test_a_file_that_is_not_an_acceptable_photo_or_pdf_is_refused_with_its_name(
    name: str, data: bytes, code: str
) -> None:
    error = reject(name, data)

    assert error.code == code
    assert name in error.messages[0]
    assert error.file_name == name


def test_no_more_than_the_limit_plus_one_byte_is_read_from_an_endless_stream() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name="endless.jpg", stream=stream)

    assert caught.value.code == "too_large"
    assert stream.served == MAX_UPLOAD_BYTES + 1


# -- Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\zhang\\Desktop\\户口本.jpg", "户口本.jpg"),
        ("id\x00card\r\n\x1b[31m.jpg", "idcard[31m.jpg"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("../..", "upload"),
        ("", "upload"),
    ],
)
def test_the_original_name_is_sanitised_for_display(name: str, shown: str) -> None:
    assert inspect_upload(name=name, stream=minimal_pdf()).original_name == shown


def test_a_long_name_is_cut_to_120_characters_keeping_its_extension() -> None:
    shown = inspect_upload(name="身" * 300 + ".pdf", stream=minimal_pdf()).original_name

    assert len(shown) == 120
    assert shown.endswith("身.pdf")


# -- Storage ------------------------------------------------------------------------------------


@pytest.fixture
def photo() -> InspectedUpload:
    return inspect_upload(name="passport-zhang-san.jpg", stream=jpeg_bytes(two_tone(400, 300)))


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_a_stored_upload_gets_a_random_private_name_in_a_sharded_folder(photo: InspectedUpload, tmp_path: Path) -> None:
    stored = store_upload(photo, root=tmp_path)
    again = store_upload(photo, root=tmp_path)

    assert re.fullmatch(r"[\w-]{2}/[\w-]{2}/[\w-]{32}\.jpg", stored.path)
    assert stored.thumbnail_path == stored.path.removesuffix(".jpg") + ".thumb.jpg"
    assert stored.path != again.path
    assert (stored.sha256, stored.size, stored.content_type) == (photo.sha256, photo.size, "image/jpeg")
    files = stored_files(tmp_path)
    assert len(files) == 4  # two uploads and their thumbnails, no temporary files left
    for file in files:
        assert "passport" not in str(file)
        assert file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / stored.path).read_bytes() == photo.content


def test_a_stored_pdf_has_no_thumbnail(tmp_path: Path) -> None:
    stored = store_upload(inspect_upload(name="a.pdf", stream=minimal_pdf()), root=tmp_path)

    assert stored.path.endswith(".pdf")
    assert stored.thumbnail_path is None


def test_a_stored_upload_is_read_back_and_deleted(photo: InspectedUpload, tmp_path: Path) -> None:
    stored = store_upload(photo, root=tmp_path)

    with open_stored(stored.path, root=tmp_path) as file:
        assert file.read() == photo.content
    delete_stored(stored.path, root=tmp_path)
    delete_stored(stored.path, root=tmp_path)  # already gone: no error
    assert not (tmp_path / stored.path).exists()


def test_a_crash_while_writing_leaves_no_file_behind(
    photo: InspectedUpload, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(uploads.os, "replace", crash)

    with pytest.raises(OSError, match="disk full"):
        store_upload(photo, root=tmp_path)
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize(
    "path",
    ["../../x", "/etc/passwd", "ab/../../../etc/passwd", "ab/cd/../../../../etc/passwd.jpg", "", "ab/cd"],
)
def test_a_path_outside_the_private_root_is_refused(path: str, tmp_path: Path) -> None:
    with pytest.raises(SuspiciousFileOperation):
        open_stored(path, root=tmp_path)
    with pytest.raises(SuspiciousFileOperation):
        delete_stored(path, root=tmp_path)


def test_a_symbolic_link_out_of_the_private_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "private"
    (root / "ab" / "cd").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    link = "ab/cd/" + "a" * 32 + ".jpg"
    os.symlink(tmp_path / "secret.txt", root / link)

    with pytest.raises(SuspiciousFileOperation):
        open_stored(link, root=root)


def test_the_private_root_comes_from_settings(photo: InspectedUpload, tmp_path: Path, settings: Any) -> None:
    settings.ONEWINDOW_PRIVATE_MEDIA_ROOT = tmp_path / "private"

    stored = store_upload(photo)

    assert (tmp_path / "private" / stored.path).is_file()
    with open_stored(stored.path) as file:
        assert file.read() == photo.content


def test_a_private_root_inside_a_served_folder_is_a_configuration_error(photo: InspectedUpload, settings: Any) -> None:
    settings.ONEWINDOW_PRIVATE_MEDIA_ROOT = Path(settings.STATIC_ROOT) / "private"

    with pytest.raises(ImproperlyConfigured):
        store_upload(photo)
