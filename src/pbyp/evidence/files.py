"""Checking, cleaning and reading the files learners upload as evidence.

Pure functions: nothing here touches the database or storage, so the services can call them before
anything is saved (a refused file leaves nothing half-saved) and tasks can call them again later.

- ``prepare_upload`` decides what a file is from its CONTENT (never its name or the browser's
  claimed type), refuses what we won't keep with a message a child can act on, and re-encodes
  images from their pixels so no metadata (EXIF with GPS, XMP, IPTC, ICC, comments, text chunks)
  survives.
- ``make_thumbnail`` makes a small JPEG of a stored (already clean) image.
- ``extract_text`` reads the words in a PDF, DOCX, PPTX or ODT for the integrity checks. It never
  raises: it always returns a status.

Audio, video and documents are stored exactly as uploaded. Their own metadata (ID3 tags, a video's
recording location, a document's author) is out of scope here. Serve every file only to the
people allowed to see the evidence, with the content_type decided here and
"X-Content-Type-Options: nosniff"; send documents as attachments (see ``download_name``).

Identification: puremagic recognises the plain formats (JPEG, PNG, WebP, MP3, WAV, OGG, WebM) and
many formats we refuse; each format we accept is confirmed by a check of our own. puremagic cannot
look inside containers, so this module looks itself at ZIP files (DOCX, PPTX, ODT versus every
other zip), at PDFs, and at the ``ftyp`` brands of ISO media files (HEIC photos, M4A sound, MP4 and
MOV video all share that container). Dangerous things (web pages, SVG, scripts, programs,
archives) are recognised by our own checks first, so that an unlucky ranking in puremagic's
guesses can never let one through.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

import pillow_heif
import puremagic
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

# Let Pillow open HEIC/HEIF photos (the iPhone default). Registering adds a format; it changes
# nothing else in Pillow.
pillow_heif.register_heif_opener()

MEGABYTE = 1024 * 1024  # school limits are whole MB: pass max_bytes=school.max_file_mb * MEGABYTE

# Images
MAX_IMAGE_PIXELS = 50_000_000  # above this it is not a photo but a decompression bomb (≈ 7000×7000)
MAX_IMAGE_SIDE = 2560  # longest side we keep; bigger photos are scaled down
JPEG_QUALITY = 85

# Text extraction
MAX_TEXT_CHARS = 200_000  # more text than this is cut ("truncated")
MAX_XML_BYTES = 50 * MEGABYTE  # uncompressed XML read from one office file, at most (zip bombs)
MAX_PDF_PAGES = 2_000  # pages read from one PDF, at most
_CHUNK = 64 * 1024

MAX_NAME_LENGTH = 150  # EvidenceFile.original_name

# The kinds are FileKind's values (this module does not import models).
IMAGE, DOCUMENT, AUDIO, VIDEO = "image", "document", "audio", "video"

# Statuses returned by extract_text (stored in EvidenceFile.text_status).
TEXT_OK = "ok"
TEXT_EMPTY = "empty"
TEXT_ENCRYPTED = "encrypted"
TEXT_UNREADABLE = "unreadable"
TEXT_NOT_A_DOCUMENT = "not_a_document"
TEXT_TRUNCATED = "truncated"


class FileRefused(Exception):
    """An upload we won't keep.

    ``str(error)`` is a plain-words message for a child or teacher that names the file and says what
    to do, e.g. “party.html” is a web page, not a photo or document. Save it as a PDF and try again.
    ``error.code`` says why in one word for code and logs: empty, too_big, html, svg, script,
    executable, archive, disk_image, macros, text, unsupported, unknown, damaged, image_too_big.
    """

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PreparedFile:
    kind: str  # "image" | "document" | "audio" | "video" (FileKind values)
    content_type: str  # e.g. "image/jpeg"
    extension: str  # e.g. "jpg", "pdf", "docx", "m4a", "mp4" (without a dot)
    original_name: str  # the uploaded name, safe for display and Content-Disposition
    data: bytes  # what we store (for images: the re-encoded bytes)
    sha256: str  # hex digest of data
    size: int  # len(data)


@dataclass(frozen=True)
class _Format:
    kind: str
    extension: str
    content_type: str
    what: str  # how the messages name it: "a photo", "a PDF"…


_FORMATS = {
    f.extension: f
    for f in (
        _Format(IMAGE, "jpg", "image/jpeg", "a photo"),
        _Format(IMAGE, "png", "image/png", "a picture"),
        _Format(IMAGE, "webp", "image/webp", "a picture"),
        _Format(IMAGE, "heic", "image/heic", "a photo"),
        _Format(DOCUMENT, "pdf", "application/pdf", "a PDF"),
        _Format(
            DOCUMENT,
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "a Word document",
        ),
        _Format(
            DOCUMENT,
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "a PowerPoint presentation",
        ),
        _Format(DOCUMENT, "odt", "application/vnd.oasis.opendocument.text", "a document"),
        _Format(AUDIO, "mp3", "audio/mpeg", "a sound file"),
        _Format(AUDIO, "m4a", "audio/mp4", "a sound file"),
        _Format(AUDIO, "wav", "audio/wav", "a sound file"),
        _Format(AUDIO, "ogg", "audio/ogg", "a sound file"),
        _Format(VIDEO, "mp4", "video/mp4", "a video"),
        _Format(VIDEO, "mov", "video/quicktime", "a video"),
        _Format(VIDEO, "webm", "video/webm", "a video"),
    )
}

# Pillow's name for each image format we accept (Image.open is told to try only that one).
_PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}


class _Refuse(Exception):
    """Raised inside this module; prepare_upload makes it a FileRefused naming the file."""

    def __init__(self, code: str, **details: str):
        super().__init__(code)
        self.code = code
        self.details = details


# ---------------------------------------------------------------------------------------------
# prepare_upload


def prepare_upload(name: str, data: bytes, *, max_bytes: int) -> PreparedFile:
    """Check one uploaded file and return what to store, or raise FileRefused.

    ``name`` is only used for display (the type comes from ``data``). Images come back re-encoded
    as JPEG, or PNG when they have transparency; everything else comes back byte for byte.
    """
    display_name = safe_name(name)
    try:
        # Size first: nothing expensive happens to a file we would refuse anyway.
        if not data:
            raise _Refuse("empty")
        if len(data) > max_bytes:
            raise _Refuse("too_big", size=_megabytes(len(data)), limit=_megabytes(max_bytes))
        fmt = _identify(data)
        if fmt.kind == IMAGE:
            data, fmt = _clean_image(data, fmt)
    except _Refuse as refusal:
        raise FileRefused(_message(refusal, display_name), code=refusal.code) from None
    return PreparedFile(
        kind=fmt.kind,
        content_type=fmt.content_type,
        extension=fmt.extension,
        original_name=display_name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def _message(refusal: _Refuse, name: str) -> str:
    """The words a child or teacher sees. Every message names the file and says what to do."""
    params = {"name": name, **refusal.details}
    messages = {
        "empty": _(
            "“%(name)s” is empty: there is nothing in it. "
            "Check you chose the right file and try again."
        ),
        "too_big": _(
            "“%(name)s” is %(size)s, which is more than the %(limit)s we can take for one file. "
            "Make it smaller (a shorter video or a smaller photo) and try again."
        ),
        "html": _(
            "“%(name)s” is a web page, not a photo or document. Save it as a PDF and try again."
        ),
        "svg": _(
            "“%(name)s” is an SVG drawing, which can hide a program inside, so we can't keep it. "
            "Save it as a PNG picture or a PDF and try again."
        ),
        "script": _(
            "“%(name)s” is a program script, not a photo or document, so we can't keep it. "
            "Take a screenshot of it, or save it as a PDF, and try again."
        ),
        "executable": _(
            "“%(name)s” is a program (an app), not a photo or document, so we can't keep it. "
            "Take a screenshot of it instead."
        ),
        "archive": _("“%(name)s” is %(what)s, so we can't keep it. %(advice)s"),
        "disk_image": _(
            "“%(name)s” is a disk image, not a photo or document, so we can't keep it. "
            "Take the photos or documents out of it and upload them one by one."
        ),
        "macros": _(
            "“%(name)s” is a document with macros (small programs) inside, so we can't keep it. "
            "Save it as a normal Word document (.docx) or a PDF and try again."
        ),
        "text": _(
            "“%(name)s” is a plain text file. Type or paste your words into the text box "
            "instead, or save it as a PDF and try again."
        ),
        "unsupported": _("“%(name)s” is %(what)s, which we can't keep. %(advice)s"),
        "unknown": _(
            "We can't tell what kind of file “%(name)s” is, so we can't keep it. We can take "
            "photos (JPEG, PNG, WebP, HEIC), documents (PDF, Word, PowerPoint, OpenDocument), "
            "sound (MP3, M4A, WAV, OGG) and video (MP4, MOV, WebM)."
        ),
        "damaged": _(
            "“%(name)s” looks like %(what)s, but it seems to be damaged, so we can't open it. "
            "Try saving it again, or send a different copy."
        ),
        "image_too_big": _(
            "“%(name)s” is too big to be a photo: it has far too many pixels. "
            "Make it smaller and try again."
        ),
    }
    return messages[refusal.code] % params


def _megabytes(size: int) -> str:
    """'20 MB', '20.1 MB' (rounded up, so a file just over the limit never reads as equal)."""
    if size < MEGABYTE // 10:
        return _("%(kb)s KB") % {"kb": math.ceil(size / 1024)}
    return _("%(mb)s MB") % {"mb": f"{math.ceil(size / MEGABYTE * 10) / 10:g}"}


# ---------------------------------------------------------------------------------------------
# Names

# Invisible characters that reorder text: "photo\u202egnp.exe" displays as "photoexe.png".
_BIDI_CONTROLS = set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def safe_name(name: str) -> str:
    """The learner's file name made safe to show and to put in a Content-Disposition header.

    Keeps the learner's words (any script), drops folders ("../../etc/passwd.jpg" → "passwd.jpg"),
    control and direction-changing characters, turns double quotes into single ones, squeezes
    spaces and keeps at most 150 characters (the extension survives a cut).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # no path parts, Windows or Unix
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):  # tabs, newlines, NUL, escape codes…
            kept.append(" ")
        elif category in ("Cs", "Co") or char in _BIDI_CONTROLS:
            continue
        elif char == '"':
            kept.append("'")
        else:
            kept.append(char)
    name = " ".join("".join(kept).split()).strip(". ")  # no "..", no hidden-file dot
    if not name:
        return "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            stem = stem[: MAX_NAME_LENGTH - len(extension) - 2].rstrip()
            name = f"{stem}….{extension}"
        else:
            name = name[: MAX_NAME_LENGTH - 1].rstrip() + "…"
    return name


def download_name(original_name: str, extension: str) -> str:
    """The name to offer on download: the learner's name with the extension of what we stored
    (a HEIC photo is stored as JPEG, so "IMG_0001.HEIC" downloads as "IMG_0001.jpg")."""
    stem, dot, old = original_name.rpartition(".")
    if not (dot and stem and len(old) <= 10):
        stem = original_name
    return f"{stem[: MAX_NAME_LENGTH - len(extension) - 1]}.{extension}"


# ---------------------------------------------------------------------------------------------
# Identification


def _identify(data: bytes) -> _Format:
    """What this file is, from its bytes. Returns an accepted format or raises _Refuse."""
    head = data[:4096]
    _refuse_markup_and_scripts(head)
    _refuse_programs_and_archives(data)
    if head.startswith(b"PK\x03\x04") or head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        return _identify_zip(data)
    if head[4:8] == b"ftyp":
        return _identify_iso_media(head)
    if data.startswith(b"%PDF-"):
        return _checked_pdf(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # Microsoft's old container
        raise _Refuse(
            "unsupported",
            what=_("an older Microsoft Office file, or one locked with a password"),
            advice=_("Save it as a PDF (or a .docx without a password) and try again."),
        )
    fmt = _identify_with_puremagic(data)
    if fmt is not None:
        return fmt
    if b"%PDF-" in data[:1024]:  # readers accept up to 1 KB of junk before the header
        return _checked_pdf(data)
    text = _as_text(head)
    if text is not None:
        if _SCRIPT_RE.search(text):
            raise _Refuse("script")
        if re.search(r"<(?:html|script|iframe|body|head)\b", text, re.IGNORECASE):
            raise _Refuse("html")
        raise _Refuse("text")
    raise _Refuse("unknown")


def _checked_pdf(data: bytes) -> _Format:
    # A PDF whose end is missing was cut off on the way (its cross-reference table is there).
    if b"%%EOF" not in data[-4096:]:
        raise _Refuse("damaged", what=_FORMATS["pdf"].what)
    return _FORMATS["pdf"]


# Lines that start like program code (JavaScript, Python, batch files…). Plain text is refused
# anyway; this only picks the clearer message.
_SCRIPT_RE = re.compile(
    r"^\s*(?:#!|<\?php|<%|@echo\s+off|\"use strict\"|'use strict'|\(function\b|function\s+\w+\s*\(|"
    r"(?:var|let|const)\s+\w+\s*=|module\.exports|require\(|import\s+.+\s+from\s|export\s+default|"
    r"def\s+\w+\s*\(.*\)\s*:|(?:window|document)\.\w+)",
    re.MULTILINE,
)


def _as_text(head: bytes) -> str | None:
    """The start of the file as text, or None if it looks binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head[: len(head) // 2 * 2].decode("utf-16")
        except UnicodeDecodeError:
            return None
    head = head.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in head:
        return None
    controls = sum(1 for byte in head if byte < 0x20 and byte not in b"\t\n\r\x0c" or byte == 0x7F)
    if controls > len(head) // 100:
        return None
    return head.decode("utf-8", errors="replace")


def _refuse_markup_and_scripts(head: bytes) -> None:
    """Web pages, SVG, XML and scripts: anything whose first character is '<' or '#!'.
    No format we accept starts that way."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text
        text = _as_text(head) or ""
    else:
        text = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    text = text.lstrip(" \t\r\n\x0c").lower()
    if text.startswith("#!amr"):  # AMR voice recordings start with "#!AMR", not a script
        raise _Refuse("unsupported", what=_("an AMR sound file"), advice=_advice(AUDIO))
    if text.startswith(("#!", "<?php", "<%")):
        raise _Refuse("script")
    if not text.startswith("<"):
        return
    if "<svg" in text:
        raise _Refuse("svg")
    if re.search(r"<(?:!doctype\s+html|html|head|body|script|iframe)\b", text) or "xhtml" in text:
        raise _Refuse("html")
    raise _Refuse("unsupported", what=_("an XML or web file"), advice=_advice(DOCUMENT))


# Signatures we refuse whatever puremagic ranks first: (offset, bytes, code).
_REFUSED_SIGNATURES = [
    (0, b"MZ", "executable"),  # Windows .exe/.dll
    (0, b"\x7fELF", "executable"),  # Linux, Android
    (0, b"\xfe\xed\xfa\xce", "executable"),  # Mach-O (macOS, iOS), both word sizes and orders
    (0, b"\xfe\xed\xfa\xcf", "executable"),
    (0, b"\xce\xfa\xed\xfe", "executable"),
    (0, b"\xcf\xfa\xed\xfe", "executable"),
    (0, b"\xca\xfe\xba\xbe", "executable"),  # Mach-O universal binary, Java class
    (0, b"dex\n", "executable"),  # Android
    (0, b"\x00asm", "executable"),  # WebAssembly
    (0, b"Rar!\x1a\x07", "archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "archive"),
    (0, b"\x1f\x8b", "archive"),  # gzip
    (0, b"BZh", "archive"),  # bzip2 (checked more closely below)
    (0, b"\xfd7zXZ\x00", "archive"),
    (0, b"\x28\xb5\x2f\xfd", "archive"),  # zstd
    (0, b"MSCF", "archive"),  # Windows cabinet
    (0, b"LZIP", "archive"),
    (257, b"ustar", "archive"),  # tar
    (0x8001, b"CD001", "disk_image"),  # ISO 9660
    (0x8801, b"CD001", "disk_image"),
    (0x9001, b"CD001", "disk_image"),
    (0, b"conectix", "disk_image"),  # VHD
    (0, b"vhdxfile", "disk_image"),
    (0, b"KDMV", "disk_image"),  # VMDK
    (0, b"QFI\xfb", "disk_image"),  # QEMU
]


def _archive() -> _Refuse:
    return _Refuse(
        "archive",
        what=_("a zip file or other archive (a bundle of files)"),
        advice=_("Take the photos or documents out of it and upload them one by one."),
    )


def _advice(kind: str) -> str:
    """What to do instead, for a kind of file we take but not in this format."""
    return {
        IMAGE: _("Save it as a JPEG or PNG picture and try again."),
        DOCUMENT: _("Save it as a PDF and try again."),
        AUDIO: _("Save it as an MP3 and try again."),
        VIDEO: _("Save it as an MP4 video and try again."),
    }[kind]


def _refuse_programs_and_archives(data: bytes) -> None:
    for offset, signature, code in _REFUSED_SIGNATURES:
        if data[offset : offset + len(signature)] != signature:
            continue
        if signature == b"BZh" and data[4:10] != b"1AY&SY":
            continue
        raise _archive() if code == "archive" else _Refuse(code)
    if data[-512:].startswith(b"koly"):  # Apple disk image (.dmg): a trailer in the last 512 bytes
        raise _Refuse("disk_image")


# Zips that are not one of our documents, and how to name them: (entry in the zip, what, code).
_OTHER_ZIPS = [
    ("xl/workbook.xml", lambda: _("a spreadsheet"), "archive"),
    ("META-INF/container.xml", lambda: _("an e-book"), "archive"),
    ("AndroidManifest.xml", None, "executable"),
    ("classes.dex", None, "executable"),
    ("META-INF/MANIFEST.MF", None, "executable"),  # Java .jar
]
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _identify_zip(data: bytes) -> _Format:
    """DOCX, PPTX and ODT are zips of XML files. Every other zip is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            info = archive.NameToInfo.get("mimetype")
            if info is not None and info.file_size <= 200:
                mimetype = archive.read(info).strip()
    except Exception:  # any failure to read the zip means it is damaged
        # Entry names sit in plain bytes inside a zip: say which document it tried to be.
        for marker, extension in (
            (b"word/document.xml", "docx"),
            (b"ppt/presentation.xml", "pptx"),
            (_ODT_MIMETYPE, "odt"),
        ):
            if marker in data:
                raise _Refuse("damaged", what=_FORMATS[extension].what) from None
        raise _archive() from None

    office = "[Content_Types].xml" in names
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _Refuse("macros")
    if office and "word/document.xml" in names:
        return _FORMATS["docx"]
    if office and "ppt/presentation.xml" in names:
        return _FORMATS["pptx"]
    if mimetype == _ODT_MIMETYPE and "content.xml" in names:
        return _FORMATS["odt"]
    for entry, what, code in _OTHER_ZIPS:
        if entry in names:
            if code == "executable":
                raise _Refuse(code)
            raise _Refuse(code, what=what(), advice=_("Save it as a PDF and try again."))
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        raise _Refuse(
            "archive",
            what=_("an OpenDocument file we can't keep (a spreadsheet, drawing or slides)"),
            advice=_("Save it as a PDF and try again."),
        )
    raise _archive()


# ISO base media files (MP4 family) start with an ftyp box naming "brands": what the file is.
_BRANDS = {
    **dict.fromkeys(
        [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"], "heic"
    ),
    **dict.fromkeys([b"M4A ", b"M4B "], "m4a"),
    **dict.fromkeys([b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "], "mp4"),
    b"qt  ": "mov",
}


def _identify_iso_media(head: bytes) -> _Format:
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    # AVIF pictures use the same container and generic brands as HEIC: not a format we keep.
    if major in (b"avif", b"avis") or (major in (b"mif1", b"msf1") and b"avif" in compatible):
        raise _Refuse("unsupported", what=_("an AVIF picture"), advice=_advice(IMAGE))
    for brand in [major, *compatible]:
        if brand in _BRANDS:
            return _FORMATS[_BRANDS[brand]]
    raise _Refuse("unknown")


# puremagic extensions we accept (after a check of our own), and those we know to refuse.
_PUREMAGIC_ACCEPTED = {
    "jpg": "jpg", "jpeg": "jpg", "jfif": "jpg", "jpe": "jpg",
    "png": "png", "webp": "webp",
    "mp3": "mp3", "mpga": "mp3", "wav": "wav", "ogg": "ogg", "oga": "ogg", "webm": "webm",
}  # fmt: skip
_PUREMAGIC_REFUSED = {
    extension: code
    for code, extensions in {
        "archive": "zip rar 7z gz tgz bz2 xz zst tar cab lz lzma z cpio arj ace lzh sit sitx cbz",
        "disk_image": "iso dmg img vhd vhdx vmdk qcow qcow2 vdi toast wim",
        "executable": "exe dll sys drv com scr msi class dex so dylib appimage",
        "html": "html htm xhtml mht mhtml",
        "svg": "svg",
        "script": "js php sh bat ps1 vbs py pl rb",
        IMAGE: "gif bmp tif tiff ico psd avif jxl jp2 cr2 nef dng",
        DOCUMENT: "doc xls ppt msg rtf pages key numbers eps ps",
        AUDIO: "flac aac wma amr aif aiff mid midi",
        VIDEO: "avi mkv flv wmv mpg mpeg 3gp 3g2 m2ts ts",
    }.items()
    for extension in extensions.split()
}
_UNSUPPORTED_WHAT = {
    IMAGE: lambda ext: _("a picture saved as %(type)s") % {"type": ext.upper()},
    DOCUMENT: lambda ext: _("a document saved as %(type)s") % {"type": ext.upper()},
    AUDIO: lambda ext: _("a sound file saved as %(type)s") % {"type": ext.upper()},
    VIDEO: lambda ext: _("a video saved as %(type)s") % {"type": ext.upper()},
}


def _identify_with_puremagic(data: bytes) -> _Format | None:
    """The most confident puremagic guess we have a rule for, checked against our own test of
    that format. None when puremagic knows nothing useful."""
    try:
        guesses = puremagic.magic_string(data)
    except Exception:  # "could not identify" (and any puremagic bug) means unknown
        return None
    for guess in sorted(guesses, key=lambda g: -g.confidence):
        extension = guess.extension.lower().lstrip(".")
        description = guess.name.lower()
        if extension in _PUREMAGIC_ACCEPTED:
            fmt = _FORMATS[_PUREMAGIC_ACCEPTED[extension]]
            if _confirm(fmt.extension, data):
                return fmt
            if fmt.extension == "webm" and data.startswith(b"\x1a\x45\xdf\xa3"):
                # The same container as WebM, but Matroska (.mkv), which browsers can't play.
                raise _Refuse(
                    "unsupported", what=_UNSUPPORTED_WHAT[VIDEO]("mkv"), advice=_advice(VIDEO)
                )
            continue
        code = _PUREMAGIC_REFUSED.get(extension)
        if code is None and ("executable" in description or "mach-o" in description):
            code = "executable"
        if code in (IMAGE, DOCUMENT, AUDIO, VIDEO):
            what = _UNSUPPORTED_WHAT[code](extension)
            raise _Refuse("unsupported", what=what, advice=_advice(code))
        if code is not None:
            raise _archive() if code == "archive" else _Refuse(code)
    return None


def _confirm(extension: str, data: bytes) -> bool:
    """Our own check of a plain format puremagic suggested, so a loose match can't get in."""
    if extension == "jpg":
        return data.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if extension == "wav":
        return data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE"
    if extension == "ogg":
        return data.startswith(b"OggS")
    if extension == "webm":  # Matroska's EBML header, with "webm" as its document type
        return data.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]
    if extension == "mp3":
        if data.startswith(b"ID3"):  # an ID3v2 tag: version 2-4, then a 7-bit "syncsafe" size
            return len(data) >= 10 and data[3] in (2, 3, 4) and all(b < 0x80 for b in data[6:10])
        # An MPEG audio frame header: 11 sync bits, layer III, a real bitrate and sample rate.
        return (
            len(data) >= 4
            and data[0] == 0xFF
            and data[1] & 0xE0 == 0xE0
            and data[1] & 0x06 == 0x02
            and data[2] >> 4 not in (0, 15)
            and (data[2] >> 2) & 0x03 != 3
        )
    return False


# ---------------------------------------------------------------------------------------------
# Images


def _open_image(data: bytes, formats: list[str], *, draft: int = MAX_IMAGE_SIDE) -> Image.Image:
    """Open and decode an image, refusing decompression bombs before any pixels are decoded.

    Pillow's global limit (Image.MAX_IMAGE_PIXELS) is left alone; our lower one is checked here
    from the header. That check is what guarantees the refusal: turning Pillow's bomb warning
    into an error only changes which line refuses (warning filters are process-wide, so another
    thread could reset them, and that would let nothing through).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _Refuse("image_too_big")
            if image.format == "JPEG":
                image.draft(None, (draft, draft))  # decode big JPEGs at a smaller scale
            # WeasyPrint (imported for PDFs) switches on Pillow's process-wide "load truncated
            # images"; a cut-off upload must still count as damaged, so it is off while we load.
            lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            try:
                image.load()  # first frame only, for animated images
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _Refuse("image_too_big") from None
        except _Refuse:
            raise
        except Exception:  # whatever Pillow fails on, the picture is damaged
            raise _Refuse("damaged", what=_("a picture")) from None
    return image


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info


def _clean_image(data: bytes, fmt: _Format) -> tuple[bytes, _Format]:
    """Re-encode an image from its pixels: upright, at most MAX_IMAGE_SIDE, no metadata at all.

    JPEG for photos; PNG when some pixels are see-through (an alpha channel that is fully opaque
    does not count). HEIC and WebP come back as one of those two.
    """
    image = _open_image(data, [_PILLOW_FORMATS[fmt.extension]])
    transparent = _has_transparency(image)
    with contextlib.suppress(Exception):  # unreadable EXIF: keep the pixels as they are
        image = ImageOps.exif_transpose(image)  # turn it the way the camera meant
    try:
        if transparent:
            image = image.convert("RGBA")
            transparent = image.getchannel("A").getextrema()[0] < 255
        if not transparent:
            if image.mode.startswith("I"):  # 16-bit grey: scale to 8 bits rather than clip
                image = image.convert("I").point(lambda value: value * (1 / 256))
            image = image.convert("RGB")
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
        # A brand-new image from the raw pixels: it carries no info, EXIF, ICC or comments.
        clean = Image.frombytes(image.mode, image.size, image.tobytes())
        out = io.BytesIO()
        if transparent:
            clean.save(out, "PNG", optimize=True)
        else:
            clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except Exception:  # a picture Pillow can't convert is damaged too
        raise _Refuse("damaged", what=fmt.what) from None
    return out.getvalue(), _FORMATS["png" if transparent else "jpg"]


def make_thumbnail(data: bytes, *, size: int = 400) -> bytes:
    """A JPEG of a stored (already clean) image, its longest side at most ``size`` pixels.

    See-through parts become white. Raises ValueError if ``data`` is not an image we can read.
    """
    try:
        image = _open_image(data, ["JPEG", "PNG"], draft=size)  # what prepare_upload stores
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        if _has_transparency(image):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        clean = Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=80, optimize=True)
    except _Refuse as refusal:
        raise ValueError(f"not an image we can make a thumbnail of ({refusal.code})") from None
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Text for the integrity checks


def extract_text(kind: str, extension: str, data: bytes) -> tuple[str, str]:
    """The words in a stored document, and a status: "ok", "empty" (no words, e.g. a scan),
    "encrypted" (needs a password), "unreadable" (damaged or not what it claims), "not_a_document"
    (images, sound, video) or "truncated" (too much text or XML: the start is returned).

    Never raises. Text in any script (Welsh, Arabic, Chinese…) is returned as it is.
    """
    if kind != DOCUMENT or extension not in ("pdf", "docx", "pptx", "odt"):
        return "", TEXT_NOT_A_DOCUMENT
    try:
        if extension == "pdf":
            text, status = _pdf_text(data)
        else:
            text, status = _office_text(extension, data)
    except Exception:  # a damaged document must never break a submission
        return "", TEXT_UNREADABLE
    text = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if status == TEXT_OK and not text:
        return "", TEXT_EMPTY
    return text[:MAX_TEXT_CHARS], status


# Characters that are not text (NUL, escape codes, lone surrogates): PDFs with odd fonts give
# them, and PostgreSQL refuses NUL in a text column.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _pdf_text(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader  # imported here: only the task that reads text needs it

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are "encrypted" with an empty password only to stop edits: those open.
            if not reader.decrypt(""):
                return "", TEXT_ENCRYPTED
        except Exception:  # e.g. an encryption pypdf can't undo without extras
            return "", TEXT_ENCRYPTED
    parts: list[str] = []
    length = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or length > MAX_TEXT_CHARS:
            return "\n".join(parts), TEXT_TRUNCATED
        page_text = page.extract_text() or ""
        parts.append(page_text)
        length += len(page_text)
    status = TEXT_TRUNCATED if length > MAX_TEXT_CHARS else TEXT_OK
    return "\n".join(parts), status


class _Stop(Exception):
    """Stops reading XML early; carries the status to report."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class _TextRules:
    """Which XML elements hold a document's words (matched by local name, any namespace)."""

    text_in: frozenset[str]  # character data inside these elements is text
    line_after: frozenset[str]  # a new line after each of these (paragraphs)
    specials: dict[str, tuple[str, frozenset[str] | None]]  # empty element -> text, if parent in…
    skip_in: frozenset[str] = frozenset()  # text inside these is not the document's (comments)


_RULES = {
    "docx": _TextRules(  # word/document.xml: <w:p><w:r><w:t>words</w:t></w:r></w:p>
        text_in=frozenset({"t"}),
        line_after=frozenset({"p"}),
        specials={
            "tab": ("\t", frozenset({"r"})),
            "br": ("\n", frozenset({"r"})),
            "cr": ("\n", frozenset({"r"})),
        },
    ),
    "pptx": _TextRules(  # ppt/slides/slideN.xml: <a:p><a:r><a:t>words</a:t></a:r></a:p>
        text_in=frozenset({"t"}),
        line_after=frozenset({"p"}),
        specials={"br": ("\n", frozenset({"p"}))},
    ),
    "odt": _TextRules(  # content.xml: <text:p>words <text:span>more</text:span></text:p>
        text_in=frozenset({"p", "h"}),
        line_after=frozenset({"p", "h"}),
        specials={"s": (" ", None), "tab": ("\t", None), "line-break": ("\n", None)},
        skip_in=frozenset({"annotation", "tracked-changes"}),
    ),
}


def _office_parts(extension: str, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The XML parts that hold the words, in reading order."""
    if extension == "docx":
        return [archive.getinfo("word/document.xml")]
    if extension == "odt":
        return [archive.getinfo("content.xml")]
    slides = [
        (int(match.group(1)), info)
        for info in archive.infolist()
        if (match := re.fullmatch(r"ppt/slides/slide(\d+)\.xml", info.filename))
    ]
    return [info for _number, info in sorted(slides, key=lambda pair: pair[0])]


def _office_text(extension: str, data: bytes) -> tuple[str, str]:
    collector = _XmlText(_RULES[extension])
    budget = MAX_XML_BYTES
    status = TEXT_OK
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in _office_parts(extension, archive):
                if budget <= 0:
                    raise _Stop(TEXT_TRUNCATED)
                if info.file_size > budget:  # it says it is too big: read its start only
                    status = TEXT_TRUNCATED
                parser = collector.new_parser()
                with archive.open(info) as part:
                    # file_size is what the zip claims; reading stops at our budget whatever
                    # it claims, so a zip bomb costs at most MAX_XML_BYTES of parsing.
                    while chunk := part.read(min(_CHUNK, budget)):
                        budget -= len(chunk)
                        parser.Parse(chunk, False)
                        if budget <= 0:
                            raise _Stop(TEXT_TRUNCATED)
                parser.Parse(b"", True)
                collector.end_part()
    except _Stop as stop:
        if stop.status != TEXT_TRUNCATED:
            return "", stop.status
        status = TEXT_TRUNCATED
    except (expat.ExpatError, zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError):
        return "", TEXT_UNREADABLE
    return collector.text(), status


class _XmlText:
    """Collects the words of an office XML part with expat, streaming and with limits.

    expat 2.4+ already limits entity expansion ("billion laughs"); office files never declare a
    DOCTYPE, so any DOCTYPE (where entities would be declared) makes the part unreadable.
    """

    def __init__(self, rules: _TextRules):
        self.rules = rules
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[str] = []
        self.inside = 0  # how many text_in elements we are in
        self.skipping = 0  # how many skip_in elements we are in

    def new_parser(self):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        self.stack, self.inside, self.skipping = [], 0, 0
        return parser

    def _refuse_doctype(self, *args) -> None:
        raise _Stop(TEXT_UNREADABLE)

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
        if self.length > MAX_TEXT_CHARS:
            raise _Stop(TEXT_TRUNCATED)

    def _start(self, name: str, attributes) -> None:
        local = name.rpartition(" ")[2]
        parent = self.stack[-1] if self.stack else None
        self.stack.append(local)
        if local in self.rules.skip_in:
            self.skipping += 1
        elif local in self.rules.text_in:
            self.inside += 1
        special = self.rules.specials.get(local)
        if special and not self.skipping and (special[1] is None or parent in special[1]):
            self._add(special[0])

    def _end(self, name: str) -> None:
        local = self.stack.pop() if self.stack else ""
        if local in self.rules.skip_in:
            self.skipping -= 1
        elif local in self.rules.text_in:
            self.inside -= 1
        if local in self.rules.line_after and not self.skipping:
            self._add("\n")

    def _characters(self, data: str) -> None:
        if self.inside and not self.skipping:
            self._add(data)

    def end_part(self) -> None:
        self._add("\n")

    def text(self) -> str:
        text = "".join(self.parts)
        return re.sub(r"\n{3,}", "\n\n", text)
