#!/usr/bin/env python3
"""Writes hello.pdf (two pages of text in the standard Helvetica font) and blank.pdf (one
page without text, as a scan without OCR reads): the project's own fixtures for
read_document(), no external data. Run it again only to change them.
PDF syntax by hand (ISO 32000-1, 7.5): objects, then the cross-reference table with each
object's byte offset, then the trailer.
"""
import pathlib

FILES = {
    "hello.pdf": ["Hakari reads this sentence from a PDF.", "The second page says hello."],
    "blank.pdf": [""],
}


def write_pdf(name: str, pages: list) -> None:
    objects = []  # bodies of objects 1..n
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, text in enumerate(pages):
        content_id = page_ids[i] + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode())
        stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    pathlib.Path(__file__).with_name(name).write_bytes(bytes(out))


def main() -> None:
    for name, pages in FILES.items():
        write_pdf(name, pages)


if __name__ == "__main__":
    main()
