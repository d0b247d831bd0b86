"""Sample uploads built in memory for the evidence tests: no binary fixtures in the repository.

Each function returns the bytes of one file, as small as it can be while still being real enough
for the library that reads it (Pillow, pillow-heif, pypdf, zipfile, expat).
"""

import io
import struct
import wave
import zipfile
import zlib

import pillow_heif
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter

pillow_heif.register_heif_opener()

RED = (220, 20, 20)
BLUE = (20, 20, 220)

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ROTATE_90_CW = 6  # the camera was turned: show the picture turned a quarter clockwise

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator>Secret Parent</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def _save(image: Image.Image, format: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **params)
    return out.getvalue()


def two_colour_image(size=(60, 40), mode="RGB") -> Image.Image:
    """Left half red, right half blue: lets a test see which way a picture was turned."""
    image = Image.new(mode, size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def jpeg_with_everything() -> bytes:
    """A 60×40 JPEG from a phone: GPS position, camera details, an orientation tag saying
    "turn me 90° clockwise", an XMP packet, a comment and an ICC colour profile."""
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CW
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (51.0, 30.0, 12.5)  # GPSLatitude
    gps[3] = "W"  # GPSLongitudeRef
    gps[4] = (0.0, 7.0, 40.0)  # GPSLongitude
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _save(
        two_colour_image(),
        "JPEG",
        exif=exif,
        xmp=XMP,
        comment=b"Taken at 12 Acacia Avenue",
        icc_profile=icc,
        quality=95,
    )


def plain_jpeg(size=(60, 40)) -> bytes:
    return _save(two_colour_image(size), "JPEG", quality=90)


def png_with_text_and_alpha() -> bytes:
    """A 30×20 RGBA PNG: left half see-through, with text chunks naming the author."""
    image = Image.new("RGBA", (30, 20), (*BLUE, 255))
    image.paste((0, 0, 0, 0), (0, 0, 15, 20))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Author")
    info.add_itxt("Comment", "Home address here")
    return _save(image, "PNG", pnginfo=info)


def png_opaque_alpha() -> bytes:
    """An RGBA PNG whose alpha channel is fully opaque (a typical screenshot)."""
    return _save(two_colour_image(mode="RGBA"), "PNG")


def webp(alpha: bool = False) -> bytes:
    if alpha:
        image = Image.new("RGBA", (30, 20), (*BLUE, 255))
        image.paste((0, 0, 0, 0), (0, 0, 15, 20))
        return _save(image, "WEBP", lossless=True)
    return _save(two_colour_image(), "WEBP", quality=90)


def heic() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[1] = "N"
    return _save(two_colour_image((64, 48)), "HEIF", exif=exif.tobytes())


def animated_png() -> bytes:
    """Two frames: red, then blue."""
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    return _save(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


def large_jpeg(size=(3000, 1000)) -> bytes:
    return _save(two_colour_image(size), "JPEG", quality=50)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A few dozen bytes whose header claims width × height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------------
# PDF


def pdf(text: str = "I built a bird box with my grandad.") -> bytes:
    """A one-page PDF written by hand (Helvetica, ASCII text), with a correct xref table."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def encrypted_pdf(user_password: str = "secret") -> bytes:  # noqa: S107 - a test file's password
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf("Top secret homework"))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\nthis is not a PDF at all\n%%EOF\n"


# ---------------------------------------------------------------------------------------------
# Office documents (zips of XML)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _zip(entries: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:  # ODF: "mimetype" first and uncompressed
            archive.writestr(stored_first, entries[stored_first], zipfile.ZIP_STORED)
        for name, body in entries.items():
            if name != stored_first:
                archive.writestr(name, body)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(paragraphs=("I made a bird box.", "It took two hours."), *, extra=None) -> bytes:
    """A Word document: each paragraph split into two runs, the second with a tab before it."""
    body = ""
    for paragraph in paragraphs:
        first, _, rest = paragraph.partition(" ")
        body += (
            f"<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
            f"<w:r><w:t>{_escape(first)}</w:t></w:r>"
            f"<w:r><w:t xml:space='preserve'> {_escape(rest)}</w:t></w:r></w:p>"
        )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    )
    entries = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": "<Relationships/>",
        "word/document.xml": document,
        **(extra or {}),
    }
    return _zip(entries)


def docx_with_document_xml(document: bytes | str) -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": document})


def pptx(slides=("Slide one title", "Slide two words", "Slide three")) -> bytes:
    """Slides are numbered 1, 2, 10 to check they are read in number order, not name order."""
    entries = {
        "[Content_Types].xml": CONTENT_TYPES,
        "ppt/presentation.xml": f'<p:presentation xmlns:p="{P}"/>',
    }
    for number, words in zip((1, 2, 10), slides, strict=False):
        entries[f"ppt/slides/slide{number}.xml"] = (
            f'<p:sld xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree><p:sp><p:txBody>'
            f"<a:p><a:r><a:t>{_escape(words)}</a:t></a:r></a:p>"
            f"</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    return _zip(entries)


ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def odt(paragraphs=("Fy mhrosiect", "Rhan dau")) -> bytes:
    """An OpenDocument text with a heading, spans, a comment and a deleted change (both hidden)."""
    body = ""
    for paragraph in paragraphs:
        first, _, rest = paragraph.partition(" ")
        body += f"<text:p>{_escape(first)}<text:s/><text:span>{_escape(rest)}</text:span></text:p>"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<office:body><office:text>"
        "<text:tracked-changes><text:changed-region><text:deletion>"
        "<text:p>deleted words</text:p>"
        "</text:deletion></text:changed-region></text:tracked-changes>"
        "<text:h>Teitl</text:h>"
        f"{body}"
        "<text:p><office:annotation><dc:creator>Teacher Name</dc:creator>"
        "<text:p>a private comment</text:p></office:annotation></text:p>"
        "</office:text></office:body></office:document-content>"
    )
    return _zip(
        {
            "mimetype": ODT_MIMETYPE,
            "content.xml": content,
            "META-INF/manifest.xml": "<manifest/>",
        },
        stored_first="mimetype",
    )


def plain_zip() -> bytes:
    return _zip({"photo1.txt": "not really a photo", "notes/readme.txt": "hello"})


def xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": "<workbook/>",
            "xl/worksheets/sheet1.xml": "<worksheet/>",
        }
    )


def docm() -> bytes:
    """A Word document with macros."""
    return docx(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro code"})


def damaged_docx() -> bytes:
    """The start of a DOCX cut off half way (the zip's directory at the end is missing)."""
    whole = docx(paragraphs=["word " * 2000])
    return whole[: len(whole) // 2]


def docx_claiming_huge_size() -> bytes:
    """A DOCX whose zip directory says document.xml unpacks to 4 GB (it is really tiny)."""
    data = bytearray(docx())
    name = b"word/document.xml"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size
    return bytes(data)


def docx_bomb(uncompressed: int) -> bytes:
    """A DOCX whose document.xml really unpacks to `uncompressed` bytes of text (compresses
    about 1000 to 1)."""
    start = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode()
    end = b"</w:t></w:r></w:p></w:body></w:document>"
    filler = b"a" * (uncompressed - len(start) - len(end))
    return docx_with_document_xml(start + filler + end)


# ---------------------------------------------------------------------------------------------
# Things we refuse

HTML = b"<!DOCTYPE html>\n<html><head><title>Party</title></head><body>Come!</body></html>\n"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>\n"
)
SHELL_SCRIPT = b"#!/bin/sh\nrm -rf ~/homework\n"
JAVASCRIPT = b"// my game\nconst score = 0;\nfunction play() {\n  return score + 1;\n}\n"
PLAIN_TEXT = "Fy enw i yw Siân. Rwy'n hoffi coginio.\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00"
    + b"\x00" * 52
    + struct.pack("<I", 64)
    + b"PE\x00\x00"
    + b"\x00" * 64
)
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 20
OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"


def iso_disk_image() -> bytes:
    return b"\x00" * 0x8001 + b"CD001\x01" + b"\x00" * 100


# ---------------------------------------------------------------------------------------------
# Sound and video (header stubs: we store them as they are and never decode them)


def mp3() -> bytes:
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    return id3 + frame * 3


def mp3_without_tag() -> bytes:
    return (b"\xff\xfb\x90\x64" + b"\x00" * 413) * 3


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x01" * 800)
    return out.getvalue()


def ogg() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 40


def webm() -> bytes:
    # EBML header: EBMLVersion 1, DocType "webm"; then the start of a Segment.
    header = b"\x42\x86\x81\x01\x42\x82\x84webm"
    return (
        b"\x1a\x45\xdf\xa3"
        + bytes([0x80 | len(header)])
        + header
        + b"\x18\x53\x80\x67"
        + b"\x00" * 32
    )


def mkv() -> bytes:
    """A Matroska video: WebM's container with another document type."""
    header = b"\x42\x86\x81\x01\x42\x82\x88matroska"
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x00" * 32


def iso_media(major: bytes, *compatible: bytes) -> bytes:
    """An ISO base media file (MP4 family): an ftyp box with these brands, then an empty mdat."""
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    return ftyp + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8
