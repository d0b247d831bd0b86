"""Uploaded files: identified by content, dangerous ones refused in plain words, images cleaned of
every kind of metadata, and words read from documents for the integrity checks."""

import io

import pytest
from PIL import Image

from pbyp.evidence import files
from pbyp.evidence.files import FileRefused, extract_text, make_thumbnail, prepare_upload

from . import samples

MB = files.MEGABYTE
LIMIT = 20 * MB


def prepare(name, data, max_bytes=LIMIT):
    return prepare_upload(name, data, max_bytes=max_bytes)


def refused(name, data, max_bytes=LIMIT) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        prepare(name, data, max_bytes)
    return caught.value


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_red(pixel) -> bool:
    return pixel[0] > 150 and pixel[2] < 100


def is_blue(pixel) -> bool:
    return pixel[2] > 150 and pixel[0] < 100


# ---------------------------------------------------------------------------------------------
# Images lose their metadata and are turned the right way up


def test_a_phone_photo_loses_gps_and_all_other_metadata():
    original = samples.jpeg_with_everything()
    # The sample really carries what we want gone, or this test would prove nothing.
    assert b"Exif" in original and b"Secret Parent" in original and b"Acacia" in original
    assert opened(original).getexif().get_ifd(samples.GPS_IFD)

    result = prepare("IMG_0042.jpg", original)

    assert (result.kind, result.extension, result.content_type) == ("image", "jpg", "image/jpeg")
    image = opened(result.data)
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "comment", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)
    for secret in (b"GPS", b"Exif", b"PhoneMaker", b"Secret Parent", b"Acacia", b"sRGB"):
        assert secret not in result.data


def test_a_photo_is_turned_the_way_the_camera_meant():
    result = prepare("sideways.jpg", samples.jpeg_with_everything())
    image = opened(result.data).convert("RGB")
    # 60×40 with "turn 90° clockwise": now 40×60, and the red left half is now at the top.
    assert image.size == (40, 60)
    assert is_red(image.getpixel((20, 5)))
    assert is_blue(image.getpixel((20, 55)))


def test_prepared_file_describes_the_stored_bytes():
    result = prepare("photo.jpg", samples.plain_jpeg())
    import hashlib

    assert result.size == len(result.data)
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.original_name == "photo.jpg"


def test_a_png_keeps_its_transparency_and_loses_its_text_chunks():
    original = samples.png_with_text_and_alpha()
    assert b"Secret Author" in original

    result = prepare("drawing.png", original)

    assert (result.extension, result.content_type) == ("png", "image/png")
    image = opened(result.data)
    assert image.mode == "RGBA"
    assert image.getpixel((2, 2))[3] == 0  # see-through half
    assert image.getpixel((25, 2)) == (*samples.BLUE, 255)
    assert not {"Author", "Comment", "exif", "icc_profile"} & set(image.info)
    assert b"Secret Author" not in result.data and b"Home address" not in result.data


def test_a_png_whose_alpha_is_all_opaque_becomes_a_jpeg():
    result = prepare("screenshot.png", samples.png_opaque_alpha())
    assert result.extension == "jpg"


def test_webp_becomes_jpeg_or_png_with_transparency():
    assert prepare("pic.webp", samples.webp()).extension == "jpg"
    with_alpha = prepare("sticker.webp", samples.webp(alpha=True))
    assert with_alpha.extension == "png"
    assert opened(with_alpha.data).getpixel((2, 2))[3] == 0


def test_heic_from_a_phone_becomes_a_metadata_free_jpeg():
    original = samples.heic()
    result = prepare("IMG_0001.HEIC", original)
    assert (result.kind, result.extension, result.content_type) == ("image", "jpg", "image/jpeg")
    image = opened(result.data)
    assert image.size == (64, 48)
    assert len(image.getexif()) == 0
    assert b"PhoneMaker" not in result.data


def test_an_animated_image_keeps_its_first_frame_only():
    result = prepare("dance.png", samples.animated_png())
    image = opened(result.data)
    assert getattr(image, "n_frames", 1) == 1
    assert is_red(image.convert("RGB").getpixel((10, 10)))


def test_a_big_photo_is_scaled_down_to_2560_pixels():
    result = prepare("huge.jpg", samples.large_jpeg((3000, 1000)))
    assert opened(result.data).size == (2560, 853)


def test_a_small_photo_keeps_its_size():
    assert opened(prepare("small.jpg", samples.plain_jpeg((300, 200))).data).size == (300, 200)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # Pillow's own bomb error (more than twice its limit)
        (8_000, 8_000),  # 64 million pixels: under Pillow's limit, over ours
    ],
)
def test_a_decompression_bomb_is_refused(width, height):
    bomb = samples.png_declaring(width, height)
    assert len(bomb) < 200
    error = refused("tiny.png", bomb)
    assert error.code == "image_too_big"
    assert "“tiny.png”" in str(error) and "too big" in str(error)


def test_a_truncated_jpeg_is_refused_as_damaged():
    whole = samples.plain_jpeg((200, 200))
    error = refused("cut.jpg", whole[: len(whole) // 2])
    assert error.code == "damaged"
    assert "“cut.jpg”" in str(error) and "damaged" in str(error)


def test_a_jpeg_header_followed_by_rubbish_is_refused_as_damaged():
    error = refused("fake.jpg", b"\xff\xd8\xff\xe0" + b"rubbish" * 50)
    assert error.code == "damaged"


def test_a_heic_container_without_a_picture_is_refused_as_damaged():
    error = refused("empty.heic", samples.iso_media(b"heic", b"mif1", b"heic"))
    assert error.code == "damaged"


def test_thumbnail_is_a_small_jpeg():
    stored = prepare("big.jpg", samples.large_jpeg((3000, 1000))).data
    thumbnail = opened(make_thumbnail(stored))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (400, 133)
    assert opened(make_thumbnail(stored, size=100)).size == (100, 33)


def test_thumbnail_of_a_transparent_png_has_a_white_background():
    stored = prepare("sticker.png", samples.png_with_text_and_alpha()).data
    thumbnail = opened(make_thumbnail(stored)).convert("RGB")
    assert min(thumbnail.getpixel((2, 2))) > 245  # white, give or take JPEG's rounding


def test_thumbnail_of_something_else_is_a_value_error():
    with pytest.raises(ValueError):
        make_thumbnail(samples.pdf())


# ---------------------------------------------------------------------------------------------
# Documents, sound and video are identified by content and kept as they are


@pytest.mark.parametrize(
    ("name", "build", "kind", "extension", "content_type"),
    [
        ("homework.pdf", samples.pdf, "document", "pdf", "application/pdf"),
        ("photo.jpg", samples.docx, "document", "docx", files._FORMATS["docx"].content_type),
        ("essay.docx", samples.docx, "document", "docx", files._FORMATS["docx"].content_type),
        ("slides", samples.pptx, "document", "pptx", files._FORMATS["pptx"].content_type),
        ("story.png", samples.odt, "document", "odt", "application/vnd.oasis.opendocument.text"),
        ("song.wav", samples.mp3, "audio", "mp3", "audio/mpeg"),
        ("song", samples.mp3_without_tag, "audio", "mp3", "audio/mpeg"),
        ("voice.mp3", samples.wav, "audio", "wav", "audio/wav"),
        ("music.ogg", samples.ogg, "audio", "ogg", "audio/ogg"),
        ("clip.webm", samples.webm, "video", "webm", "video/webm"),
    ],
)
def test_documents_sound_and_video_are_kept_byte_for_byte(
    name, build, kind, extension, content_type
):
    data = build()
    result = prepare(name, data)
    assert (result.kind, result.extension, result.content_type) == (kind, extension, content_type)
    assert result.data == data
    assert result.original_name == name


@pytest.mark.parametrize(
    ("brands", "kind", "extension"),
    [
        ((b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video", "mp4"),
        ((b"mp42", b"mp42", b"isom"), "video", "mp4"),
        ((b"qt  ", b"qt  "), "video", "mov"),
        ((b"M4A ", b"M4A ", b"mp42", b"isom"), "audio", "m4a"),
        ((b"3gp4", b"isom", b"3gp4"), "video", "mp4"),  # an unknown major brand, a known one
    ],
)
def test_iso_media_files_are_told_apart_by_their_brands(brands, kind, extension):
    result = prepare("clip.bin", samples.iso_media(*brands))
    assert (result.kind, result.extension) == (kind, extension)


def test_a_pdf_may_have_a_little_junk_before_its_header():
    assert prepare("scan.pdf", b"\r\n" * 100 + samples.pdf()).extension == "pdf"


def test_a_photo_with_a_pdf_header_in_its_comment_is_still_a_photo():
    # Otherwise it would be kept byte for byte as a "PDF", metadata and all.
    image = Image.open(io.BytesIO(samples.jpeg_with_everything()))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=image.getexif(), comment=b"%PDF-1.4")
    sneaky = out.getvalue() + b"%%EOF"
    assert b"%PDF-" in sneaky[:1024]
    result = prepare("photo.jpg", sneaky)
    assert result.extension == "jpg" and b"GPS" not in result.data


def test_a_pdf_cut_off_before_its_end_is_refused_as_damaged():
    whole = samples.pdf("x" * 5000)
    error = refused("cut.pdf", whole[: len(whole) // 2])
    assert error.code == "damaged" and "PDF" in str(error)


def test_a_docx_zip_that_cannot_be_opened_is_refused_as_damaged():
    error = refused("essay.docx", samples.damaged_docx())
    assert error.code == "damaged"
    assert "“essay.docx”" in str(error) and "Word document" in str(error)


# ---------------------------------------------------------------------------------------------
# What we refuse, and how we say so


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("party.png", samples.HTML, "html", ["web page", "PDF"]),
        ("party.html", b"\xef\xbb\xbf  \n" + samples.HTML, "html", ["web page"]),
        ("utf16.txt", "\ufeff<html><body>hi</body></html>".encode("utf-16-le"), "html", []),
        ("star.svg", samples.SVG, "svg", ["SVG", "program"]),
        ("cat.jpg", samples.SHELL_SCRIPT, "script", ["program script"]),
        ("game.js", samples.JAVASCRIPT, "script", ["program script"]),
        ("index.php", b"<?php system($_GET['c']); ?>", "script", ["program script"]),
        ("game.exe", samples.PE, "executable", ["program"]),
        ("tool", samples.ELF, "executable", ["program"]),
        ("app.jpg", b"\xcf\xfa\xed\xfe" + b"\x00" * 60, "executable", ["program"]),
        ("photos.zip", samples.plain_zip(), "archive", ["zip", "one by one"]),
        ("marks.xlsx", samples.xlsx(), "archive", ["spreadsheet", "PDF"]),
        ("backup.tar.gz", samples.GZIP, "archive", ["archive"]),
        ("essay.docm", samples.docm(), "macros", ["macros"]),
        ("disk.iso", samples.iso_disk_image(), "disk_image", ["disk image"]),
        ("old.doc", samples.OLD_WORD, "unsupported", ["older Microsoft Office", "PDF"]),
        ("funny.gif", samples.GIF, "unsupported", ["GIF", "JPEG or PNG"]),
        ("film.mkv", samples.mkv(), "unsupported", ["MKV", "MP4"]),
        ("new.avif", samples.iso_media(b"avif", b"mif1", b"avif"), "unsupported", ["AVIF"]),
        ("notes.txt", samples.PLAIN_TEXT, "text", ["text box"]),
        ("id3.txt", b"ID3 is what my music player shows.\n", "text", ["text box"]),
        ("mystery.jpg", bytes(range(256)) * 8, "unknown", ["can't tell"]),
        ("nothing.jpg", b"", "empty", ["empty"]),
    ],
)
def test_refused_with_a_plain_message_that_names_the_file(name, data, code, words):
    error = refused(name, data)
    message = str(error)
    assert error.code == code
    assert f"“{name}”" in message
    for word in words:
        assert word in message
    # Plain words: no jargon a child would have to look up.
    for jargon in ("MIME", "magic", "mimetype", "bytes", "Exception", "error"):
        assert jargon not in message


def test_a_file_over_the_limit_is_refused_before_anything_else_is_done():
    error = refused("film.mp4", b"\x00" * (2 * MB + 300_000), max_bytes=2 * MB)
    assert error.code == "too_big"
    assert str(error).startswith("“film.mp4” is 2.3 MB, which is more than the 2 MB")


def test_a_file_exactly_at_the_limit_is_fine():
    data = samples.mp3()
    assert prepare("song.mp3", data, max_bytes=len(data)).size == len(data)


# ---------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\Siân\\Desktop\\fy llun.jpg", "fy llun.jpg"),
        ("bad\x00name\r\nX-Header: 1.jpg", "bad name X-Header: 1.jpg"),
        ('my "best" work.pdf', "my 'best' work.pdf"),
        ("photo\u202egnp.exe", "photognp.exe"),  # no right-to-left override trick
        ("  spaced    out  .pdf  ", "spaced out .pdf"),
        ("صورتي.jpg", "صورتي.jpg"),
        ("我的作业.docx", "我的作业.docx"),
        ("..", "file"),
        ("", "file"),
    ],
)
def test_names_are_made_safe_and_keep_the_learners_words(given, shown):
    assert files.safe_name(given) == shown
    assert prepare(given, samples.mp3()).original_name == shown


def test_very_long_names_are_cut_to_150_characters_keeping_the_extension():
    name = files.safe_name("ŵ" * 400 + ".docx")
    assert len(name) == 150
    assert name.endswith("….docx") and name.startswith("ŵŵŵ")


def test_download_name_uses_the_stored_extension():
    assert files.download_name("IMG_0001.HEIC", "jpg") == "IMG_0001.jpg"
    assert files.download_name("my essay", "docx") == "my essay.docx"


# ---------------------------------------------------------------------------------------------
# Words from documents, for the integrity checks


def text_of(prepared) -> tuple[str, str]:
    return extract_text(prepared.kind, prepared.extension, prepared.data)


def test_text_from_a_pdf():
    text, status = text_of(prepare("birdbox.pdf", samples.pdf("I built a bird box (with help).")))
    assert status == "ok"
    assert "I built a bird box (with help)." in text


def test_text_from_a_docx_whatever_its_name():
    prepared = prepare("photo.jpg", samples.docx(["Fy mhrosiect i", "Gwnes i ŵy wedi'i ferwi"]))
    text, status = text_of(prepared)
    assert status == "ok"
    assert text.splitlines() == ["Fy mhrosiect i", "Gwnes i ŵy wedi'i ferwi"]


def test_text_from_a_pptx_in_slide_order():
    text, status = text_of(prepare("talk.pptx", samples.pptx()))
    assert status == "ok"
    assert text.split("\n\n") == ["Slide one title", "Slide two words", "Slide three"]


def test_text_from_an_odt_leaves_out_comments_and_deleted_words():
    text, status = text_of(prepare("stori.odt", samples.odt(["Fy mhrosiect", "مشروعي المدرسي"])))
    assert status == "ok"
    assert text.splitlines() == ["Teitl", "Fy mhrosiect", "مشروعي المدرسي"]
    assert "private comment" not in text and "Teacher Name" not in text
    assert "deleted" not in text


def test_arabic_and_chinese_text_survives():
    words = ["هذا مشروعي عن الطبخ", "我做了一个鸟窝"]
    text, status = extract_text("document", "docx", samples.docx(words))
    assert status == "ok"
    assert text.splitlines() == words


def test_text_never_carries_control_characters():
    # Odd PDF fonts give NUL and other codes; PostgreSQL refuses NUL in a text column.
    text, status = extract_text("document", "pdf", samples.pdf("A\x00B\x01C\x1bD\rE"))
    assert (text, status) == ("ABCD\nE", "ok")


def test_a_document_with_no_words_is_empty():
    assert extract_text("document", "docx", samples.docx([])) == ("", "empty")
    assert extract_text("document", "pdf", samples.pdf("")) == ("", "empty")


def test_an_encrypted_pdf_is_reported_as_encrypted():
    prepared = prepare("secret.pdf", samples.encrypted_pdf())
    assert text_of(prepared) == ("", "encrypted")


def test_a_pdf_locked_only_against_editing_is_read():
    text, status = extract_text("document", "pdf", samples.encrypted_pdf(user_password=""))
    assert status == "ok" and "Top secret homework" in text


def test_a_corrupt_pdf_is_unreadable():
    assert extract_text("document", "pdf", samples.corrupt_pdf()) == ("", "unreadable")


def test_a_zip_that_lies_about_its_size_does_not_crash():
    text, status = extract_text("document", "docx", samples.docx_claiming_huge_size())
    assert status in ("truncated", "unreadable")


def test_a_zip_bomb_is_read_only_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(files, "MAX_XML_BYTES", 1 * MB)
    monkeypatch.setattr(files, "MAX_TEXT_CHARS", 10 * MB)
    bomb = samples.docx_bomb(5 * MB)
    assert len(bomb) < 50_000
    text, status = extract_text("document", "docx", bomb)
    assert status == "truncated"
    assert 0 < len(text) <= 1 * MB


def test_too_much_text_is_truncated(monkeypatch):
    monkeypatch.setattr(files, "MAX_TEXT_CHARS", 1000)
    text, status = extract_text("document", "docx", samples.docx(["word " * 500] * 3))
    assert status == "truncated"
    assert len(text) == 1000


def test_a_doctype_in_office_xml_is_not_parsed():
    billion_laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<w:document xmlns:w="{samples.W}"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    assert extract_text("document", "docx", samples.docx_with_document_xml(billion_laughs)) == (
        "",
        "unreadable",
    )


def test_broken_xml_is_unreadable():
    broken = samples.docx_with_document_xml("<w:document><w:body><w:p>")
    assert extract_text("document", "docx", broken) == ("", "unreadable")


def test_not_a_zip_at_all_is_unreadable():
    assert extract_text("document", "odt", b"not a zip") == ("", "unreadable")


@pytest.mark.parametrize(
    ("kind", "extension"), [("image", "jpg"), ("audio", "mp3"), ("video", "mp4")]
)
def test_other_kinds_are_not_documents(kind, extension):
    assert extract_text(kind, extension, b"anything") == ("", "not_a_document")


def test_a_truncated_jpeg_is_refused_even_after_the_pdf_library_loads():
    """WeasyPrint switches on Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported."""
    from tests.conftest import pdf_library_or_skip

    pdf_library_or_skip()
    import weasyprint  # noqa: F401

    whole = samples.plain_jpeg((200, 200))
    assert refused("cut.jpg", whole[: len(whole) // 2]).code == "damaged"
