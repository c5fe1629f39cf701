"""Materials that residents upload: photos of documents and PDFs, checked by content and stored privately.

An upload is judged by its bytes alone, never by its name or the content type the browser declared.

- Photos (JPEG, PNG, and HEIC/HEIF when ``pillow-heif`` is installed) are decoded completely with
  Pillow and re-encoded from the pixels, so everything else in the file goes: EXIF (with the GPS
  position a phone camera writes), XMP, comments, ICC profiles, and any data smuggled after the
  image (a ZIP or an HTML page appended to a valid picture). The EXIF orientation is applied first,
  so the stored picture is upright. JPEG and HEIC become JPEG at quality 85. PNG stays PNG, lossless,
  because PNGs are mostly screenshots and scans of text, which JPEG blurs; a transparent PNG keeps
  its alpha. Each image gets a JPEG thumbnail of at most 320 px.
- PDFs are kept byte for byte, after a structural check (header, cross-reference, ``%%EOF``, at
  least one page) and a refusal of anything active: JavaScript, launch and remote actions,
  embedded files, XFA forms, Flash. Names are compared after undoing ``#xx`` escapes, and compressed
  object streams are inflated (within a budget) so that nothing hides in them. Encrypted PDFs are
  refused: their object streams cannot be inspected, and a clerk could not open them anyway.

Stored files live under ``ONEWINDOW_PRIVATE_MEDIA_ROOT``, outside anything the web server or
whitenoise serves, under random names. Serve them only through a view that checks permission, with
the ``content_type`` recorded here and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import tempfile
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation, ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

try:
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - optional: without it HEIC is refused as an unsupported type
    HEIF_SUPPORTED = False
else:
    # Embedded thumbnails are not needed, and not decoding them is less attack surface.
    register_heif_opener(thumbnails=False)
    HEIF_SUPPORTED = True

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# 50 MP admits the 48-50 MP "high resolution" modes of current phones. Pillow's own bomb limit
# (about 89 MP) is higher, so this check is the one that normally applies.
MAX_IMAGE_PIXELS = 50_000_000
MAX_NAME_LENGTH = 120
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

_READ_CHUNK = 1024 * 1024
_FALLBACK_NAME = "upload"


class UploadRejected(ValidationError):
    """An upload that is not accepted; the message names the file and the reason.

    ``code`` is one of ``empty``, ``too_large``, ``unsupported_type``, ``corrupt_image``,
    ``image_too_large``, ``bad_pdf`` and ``active_pdf``.
    """

    def __init__(self, message: str, *, code: str, file_name: str, **params: object) -> None:
        super().__init__(message, code=code, params={"name": file_name, **params})
        self.file_name = file_name


@dataclass(frozen=True)
class InspectedUpload:
    """An accepted upload, ready to store. ``extension`` has no dot (``jpg``, ``png``, ``pdf``)."""

    original_name: str
    kind: Literal["image", "pdf"]
    content_type: str
    extension: str
    content: bytes = field(repr=False)
    thumbnail: bytes | None = field(repr=False)
    size: int
    sha256: str
    width: int | None
    height: int | None
    pages: int | None


@dataclass(frozen=True)
class StoredUpload:
    """Where an upload was written; paths are relative to the private media root."""

    path: str
    thumbnail_path: str | None
    sha256: str
    size: int
    content_type: str


# -- Inspection ---------------------------------------------------------------------------------


def inspect_upload(*, name: str, stream: IO[bytes] | bytes) -> InspectedUpload:
    """Check an uploaded file by its content and return what may be stored.

    Reads at most ``MAX_UPLOAD_BYTES + 1`` bytes from ``stream`` (from its current position).
    Raises ``UploadRejected``.
    """
    display_name = sanitize_name(name)
    data = _read_capped(stream)
    if not data:
        raise UploadRejected(_("“%(name)s” is empty."), code="empty", file_name=display_name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRejected(
            _("“%(name)s” is larger than %(limit)d MB."),
            code="too_large",
            file_name=display_name,
            limit=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    detected = _sniff(data)
    if detected == "PDF":
        return _inspect_pdf(data, name=display_name)
    if detected is None:
        formats = "JPEG, PNG, HEIC" if HEIF_SUPPORTED else "JPEG, PNG"
        raise UploadRejected(
            _("“%(name)s” is not a supported file type. Upload a photo (%(formats)s) or a PDF."),
            code="unsupported_type",
            file_name=display_name,
            formats=formats,
        )
    return _inspect_image(data, name=display_name, image_format=detected)


def sanitize_name(name: str) -> str:
    """The user's file name, safe to display: last path part only, no control or format characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    # Categories C* (control, format such as right-to-left overrides, unassigned) and line or
    # paragraph separators; a right-to-left override can make "gpj.exe" look like "exe.jpg".
    name = "".join(char for char in name if not _hidden(char))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return _FALLBACK_NAME
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(suffix) - 1].rstrip() + "." + suffix
        else:
            name = name[:MAX_NAME_LENGTH].rstrip()
    return name


def _hidden(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in {"Zl", "Zp"}


def _read_capped(stream: IO[bytes] | bytes) -> bytes:
    if isinstance(stream, bytes | bytearray | memoryview):
        return bytes(stream[: MAX_UPLOAD_BYTES + 1])
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_UPLOAD_BYTES:
        chunk = stream.read(min(_READ_CHUNK, MAX_UPLOAD_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})


def _sniff(data: bytes) -> str | None:
    """The format the bytes are in: a Pillow format name, "PDF", or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if HEIF_SUPPORTED and data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        box = data[8 : min(max(box_size, 16), 256)]
        brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)}  # major, version, compatible...
        if brands & _HEVC_BRANDS:
            return "HEIF"
    if b"%PDF-" in data[:1024]:
        return "PDF"
    return None


# -- Images -------------------------------------------------------------------------------------


def _inspect_image(data: bytes, *, name: str, image_format: str) -> InspectedUpload:
    too_many_pixels = UploadRejected(
        _("“%(name)s” is too large an image: at most %(limit)d megapixels are accepted."),
        code="image_too_large",
        file_name=name,
        limit=MAX_IMAGE_PIXELS // 1_000_000,
    )
    # Any failure to decode means the file is not the image it claims to be. The formats list keeps
    # Pillow from trying other decoders on it.
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as opened:
            if opened.width * opened.height > MAX_IMAGE_PIXELS:
                raise too_many_pixels
            opened.load()
            image = _upright(opened)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning arrives as an exception only where warnings are errors (the test suite); where
        # it is merely emitted, the pixel check above has already refused the image.
        raise too_many_pixels
    except Exception:
        raise UploadRejected(
            _("“%(name)s” could not be read as an image; it may be damaged or incomplete."),
            code="corrupt_image",
            file_name=name,
        )

    if image_format == "PNG":
        clean, output_format, content_type, extension = _for_png(image), "PNG", "image/png", "png"
    else:
        clean, output_format, content_type, extension = _for_jpeg(image), "JPEG", "image/jpeg", "jpg"
    width, height = clean.size
    content = _encode(clean, output_format)
    return InspectedUpload(
        original_name=name,
        kind="image",
        content_type=content_type,
        extension=extension,
        content=content,
        thumbnail=_thumbnail(clean),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        width=width,
        height=height,
        pages=None,
    )


def _upright(image: Image.Image) -> Image.Image:
    """A loaded copy of the image turned the way its EXIF orientation says."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # The pixels decoded; broken EXIF is dropped below anyway and must not cost the upload.
        return image.copy()


_HIGH_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def _eight_bit(image: Image.Image) -> Image.Image:
    # A plain convert("L") clips 16-bit grey to white instead of scaling it.
    return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")


def _for_png(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_DEPTH_MODES:
        return _eight_bit(image)
    if "transparency" in image.info or image.mode == "PA":
        return image.convert("RGBA")  # transparency lives in info, which is about to be cleared
    if image.mode in {"1", "L", "LA", "P", "RGB", "RGBA"}:
        return image
    return image.convert("RGB")


def _for_jpeg(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_DEPTH_MODES:
        image = _eight_bit(image)
    if "transparency" in image.info or image.mode in {"RGBA", "LA", "PA"}:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode in {"L", "RGB"}:
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def _encode(image: Image.Image, image_format: str) -> bytes:
    # Pillow's encoders copy comments, ICC profiles and transparency from `info` unless told
    # otherwise; an empty `info` and no metadata arguments leave only the pixels.
    image.info = {}
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A JPEG of at most THUMBNAIL_SIZE px a side. May resize `image` itself: call it last."""
    small = _for_jpeg(image)
    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    small.info = {}
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


# -- PDFs ---------------------------------------------------------------------------------------

_WS = rb"\x00\t\n\x0c\r "
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)")
# The stream keyword follows its dictionary and ends with an end of line (CR alone is tolerated).
_STREAM = re.compile(rb">>[" + _WS + rb"]*stream(?:\r\n|\n|\r)")
_XREF_TABLE = re.compile(rb"(?<![A-Za-z])xref[" + _WS + rb"]")
_STARTXREF = re.compile(rb"startxref[" + _WS + rb"]+(\d+)[" + _WS + rb"]*%%EOF")
_OBJECT_HEADER = re.compile(rb"(?<![0-9])(\d+)[" + _WS + rb"]+\d+[" + _WS + rb"]+obj(?![A-Za-z])")
_PAGE = re.compile(rb"/Type[" + _WS + rb"]*/Page(?=[" + _WS + rb"()<>\[\]{}/%]|\Z)")
_FIRST = re.compile(rb"/First[" + _WS + rb"]+(\d+)")

# Names that make a PDF active. Long names are looked for in every byte of the file, stream data
# included: they are too long to occur there by chance, and an object hidden inside another
# stream's data and reached through the cross-reference table still cannot escape. A JavaScript
# action always names its type /JavaScript, so the short /JS is a second net, looked for only
# where objects are written (outside stream data, and inside object streams) to avoid false alarms
# from compressed image bytes.
_ACTIVE_NAMES_ANYWHERE = frozenset(
    {
        b"JavaScript",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
        b"GoToR",
    }
)
_ACTIVE_NAMES_IN_OBJECTS = _ACTIVE_NAMES_ANYWHERE | {b"JS", b"XFA"}
_FILTERS = frozenset(
    {
        b"FlateDecode",
        b"Fl",
        b"ASCIIHexDecode",
        b"AHx",
        b"ASCII85Decode",
        b"A85",
        b"LZWDecode",
        b"LZW",
        b"RunLengthDecode",
        b"RL",
        b"CCITTFaxDecode",
        b"CCF",
        b"DCTDecode",
        b"DCT",
        b"JBIG2Decode",
        b"JPXDecode",
        b"Crypt",
    }
)
# Object streams of a real document inflate to well under a megabyte; this stops a zip bomb.
_OBJECT_STREAM_BUDGET = 32 * 1024 * 1024


# A page object's number; an object rewritten by an incremental update still counts once.
_PageKey = int | tuple[int, int]


class _BadPdf(Exception):
    def __init__(self, code: Literal["bad_pdf", "active_pdf"], message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _not_a_pdf() -> _BadPdf:
    return _BadPdf("bad_pdf", _("“%(name)s” is not a complete PDF document; it may be damaged."))


def _uninspectable() -> _BadPdf:
    return _BadPdf("bad_pdf", _("“%(name)s” uses PDF features that cannot be checked; save it again as a plain PDF."))


def _active() -> _BadPdf:
    return _BadPdf(
        "active_pdf",
        _("“%(name)s” contains scripts, attachments or actions, which are not accepted; save it again as a plain PDF."),
    )


def _inspect_pdf(data: bytes, *, name: str) -> InspectedUpload:
    try:
        pages = _check_pdf(data)
    except _BadPdf as error:
        raise UploadRejected(error.message, code=error.code, file_name=name)
    return InspectedUpload(
        original_name=name,
        kind="pdf",
        content_type="application/pdf",
        extension="pdf",
        content=data,
        thumbnail=None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=None,
        height=None,
        pages=pages,
    )


def _check_pdf(data: bytes) -> int:
    """Check the structure and refuse active content; return the number of pages."""
    if not _PDF_HEADER.search(data, 0, 1024):
        raise _not_a_pdf()
    eof_at = data.rfind(b"%%EOF")
    if eof_at < 0 or eof_at < len(data) - 1024:
        raise _not_a_pdf()
    startxref = _STARTXREF.search(data, max(0, eof_at - 1024), eof_at + 5)
    if not startxref or int(startxref.group(1)) >= len(data):
        raise _not_a_pdf()

    if not _ACTIVE_NAMES_ANYWHERE.isdisjoint(_names(data)):
        raise _active()

    outside, streams = _split_streams(data)
    outside_names = set(_names(outside))
    if not _ACTIVE_NAMES_IN_OBJECTS.isdisjoint(outside_names):
        raise _active()
    if b"Encrypt" in outside_names:
        raise _BadPdf("bad_pdf", _("“%(name)s” is encrypted or password-protected; upload it without a password."))

    has_xref = bool(_XREF_TABLE.search(outside))
    page_objects = _page_objects(outside)
    budget = _OBJECT_STREAM_BUDGET
    for stream_dict, start, end in streams:
        dict_names = list(_names(stream_dict))
        has_xref = has_xref or b"XRef" in dict_names
        # Readers find compressed objects through /N and /First, whatever /Type says.
        if b"ObjStm" not in dict_names and not (b"N" in dict_names and b"First" in dict_names):
            continue
        objects = _object_stream_content(data, start, end, dict_names, budget)
        budget -= len(objects)
        if not _ACTIVE_NAMES_IN_OBJECTS.isdisjoint(_names(objects)):
            raise _active()
        page_objects |= _object_stream_pages(stream_dict, objects, start)

    if not has_xref:
        raise _not_a_pdf()
    if not page_objects:
        raise _BadPdf("bad_pdf", _("“%(name)s” is a PDF without pages."))
    return len(page_objects)


def _names(data: bytes) -> Iterator[bytes]:
    """Every PDF name in the data, without its slash and with #xx escapes undone."""
    for match in _NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _NAME_ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), name)
        yield name


def _split_streams(data: bytes) -> tuple[bytes, list[tuple[bytes, int, int]]]:
    """The file without stream data, and each stream as (its dictionary, data start, data end)."""
    outside: list[bytes] = []
    streams: list[tuple[bytes, int, int]] = []
    position = 0
    while match := _STREAM.search(data, position):
        head = data[position : match.start() + 2]
        object_at = head.rfind(b"obj")
        end = data.find(b"endstream", match.end())
        if end < 0:
            raise _not_a_pdf()
        outside.append(head)
        streams.append((head[object_at + 3 :] if object_at >= 0 else head, match.end(), end))
        position = end + len(b"endstream")
    outside.append(data[position:])
    return b"\n".join(outside), streams


def _object_stream_content(data: bytes, start: int, end: int, dict_names: list[bytes], budget: int) -> bytes:
    filters = [name for name in dict_names if name in _FILTERS]
    body = memoryview(data)[start:end]
    if b"DecodeParms" in dict_names or b"DP" in dict_names:
        raise _uninspectable()  # a predictor would scramble the names we look for
    if not filters and b"Filter" not in dict_names:
        content = bytes(body)
    elif filters in ([b"FlateDecode"], [b"Fl"]):
        try:
            content = zlib.decompressobj().decompress(body, budget + 1)
        except zlib.error:
            raise _not_a_pdf()
    else:
        raise _uninspectable()
    if len(content) > budget:
        raise _uninspectable()
    return content


def _page_objects(syntax: bytes) -> set[_PageKey]:
    pages: set[_PageKey] = set()
    headers = list(_OBJECT_HEADER.finditer(syntax))
    for index, header in enumerate(headers):
        body_end = headers[index + 1].start() if index + 1 < len(headers) else len(syntax)
        if _PAGE.search(syntax, header.end(), body_end):
            pages.add(int(header.group(1)))
    return pages


def _object_stream_pages(stream_dict: bytes, objects: bytes, stream_start: int) -> set[_PageKey]:
    first = _FIRST.search(stream_dict)
    header = objects[: int(first.group(1))].split() if first else []
    if first and header and len(header) % 2 == 0 and all(part.isdigit() for part in header):
        numbers = [int(part) for part in header]
        starts = [int(first.group(1)) + offset for offset in numbers[1::2]]
        ends = [*starts[1:], len(objects)]
        return {
            number
            for number, start, end in zip(numbers[0::2], starts, ends, strict=True)
            if _PAGE.search(objects, start, end)
        }
    # An unusual layout: count its page dictionaries rather than name their objects.
    return {(stream_start, index) for index, _match in enumerate(_PAGE.finditer(objects))}


# -- Storage ------------------------------------------------------------------------------------

_STORED_PATH = re.compile(r"[A-Za-z0-9_-]{2}/[A-Za-z0-9_-]{2}/[A-Za-z0-9_-]{20,}(?:\.thumb)?\.(?:jpg|png|pdf)")


def _private_root(root: Path | None = None) -> Path:
    """The private media root: `root` if given, else the setting (never inside a served folder)."""
    if root is not None:
        return Path(root)
    configured = Path(getattr(settings, "ONEWINDOW_PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "var" / "private"))
    served = [settings.STATIC_ROOT, settings.MEDIA_ROOT, *getattr(settings, "STATICFILES_DIRS", [])]
    for folder in served:
        if folder and configured.resolve().is_relative_to(Path(folder).resolve()):
            raise ImproperlyConfigured(f"ONEWINDOW_PRIVATE_MEDIA_ROOT must not be inside {folder}")
    return configured


def store_upload(upload: InspectedUpload, *, root: Path | None = None) -> StoredUpload:
    """Write an inspected upload under a random name; the user's file name is never used."""
    base = _private_root(root)
    token = secrets.token_urlsafe(24)
    relative_dir = f"{token[:2]}/{token[2:4]}"
    path = f"{relative_dir}/{token}.{upload.extension}"
    thumbnail_path = f"{relative_dir}/{token}.thumb.jpg" if upload.thumbnail is not None else None
    _write_atomically(base, path, upload.content)
    if upload.thumbnail is not None and thumbnail_path is not None:
        try:
            _write_atomically(base, thumbnail_path, upload.thumbnail)
        except BaseException:
            delete_stored(path, root=base)
            raise
    return StoredUpload(
        path=path,
        thumbnail_path=thumbnail_path,
        sha256=upload.sha256,
        size=upload.size,
        content_type=upload.content_type,
    )


def open_stored(path: str, *, root: Path | None = None) -> BinaryIO:
    """Open a stored file for reading; refuses any path that is not one of ours under the root."""
    target = _resolve_stored(path, root)
    descriptor = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    return os.fdopen(descriptor, "rb")


def delete_stored(path: str, *, root: Path | None = None) -> None:
    """Delete a stored file; a file already gone is not an error."""
    with contextlib.suppress(FileNotFoundError):
        _resolve_stored(path, root).unlink()


def _resolve_stored(path: str, root: Path | None) -> Path:
    base = _private_root(root).resolve()
    if not _STORED_PATH.fullmatch(path):
        raise SuspiciousFileOperation(f"Not a stored upload path: {path!r}")
    target = (base / path).resolve()
    if not target.is_relative_to(base) or target == base:
        raise SuspiciousFileOperation(f"Stored upload path outside the private root: {path!r}")
    return target


def _write_atomically(base: Path, relative: str, content: bytes) -> None:
    """Write to a temporary file beside the target, then rename: no half file under the final name."""
    target = base / relative
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in (target.parent.parent, target.parent):
        folder.mkdir(mode=0o700, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")  # mode 0o600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
