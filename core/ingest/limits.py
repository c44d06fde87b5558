"""How big a file may be, and the Vietnamese refusal that says why it is not read.

Every failure to read a file becomes a `SpreadsheetError` (a ValueError) whose one-line
message tells the uploader what is wrong and what to do; no raw exception escapes."""

from __future__ import annotations

MB = 1024 * 1024


DEFAULT_MAX_BYTES = 20 * MB


DEFAULT_MAX_UNZIPPED_BYTES = 200 * MB


# A stray value in cell XFD1048576 would make a dense grid of 17 billion cells. A report of
# every commune of the country is some 400,000 cells, a district's list of beneficiaries
# (one row per person) about as many; a sheet of a million cells is refused while it is
# still being measured (a second or two), before the reader has built it.
DEFAULT_MAX_CELLS = 1_000_000


MAX_ZIP_MEMBERS = 10_000


_CHUNK = 1 * MB


ZIP_MAGIC = b"PK\x03\x04"


EMPTY_ZIP_MAGIC = b"PK\x05\x06"


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Binary formats people rename to .xlsx by mistake, by their first bytes.
_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "tệp PDF"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"BM", "ảnh BMP"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
    (b"{\\rtf", "văn bản RTF"),
)


MSG_EMPTY_FILE = "Tệp rỗng (0 byte); hãy kiểm tra lại tệp báo cáo rồi tải lên lại."


MSG_EMPTY_WORKBOOK = (
    "Tệp không có dữ liệu trong trang tính nào; hãy kiểm tra đã chọn đúng tệp báo cáo chưa "
    "rồi tải lên lại."
)


MSG_CORRUPT = (
    "Tệp bị hỏng hoặc chưa tải lên hết nên không đọc được; hãy mở lại bằng Excel, lưu lại "
    "rồi tải lên lại."
)


MSG_PASSWORD = (
    "Tệp đang được đặt mật khẩu nên không đọc được; hãy mở bằng Excel, gỡ mật khẩu "
    "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi tải lên lại."
)


MSG_ZIP_BOMB = (
    "Tệp giải nén ra quá lớn (trên {limit} MB), có thể là tệp độc hại; hãy mở bằng Excel, "
    "lưu lại chỉ với bảng số liệu rồi tải lên lại."
)


MSG_TOO_BIG = (
    "Tệp quá lớn ({size} MB, giới hạn {limit} MB); hãy xóa các trang tính không cần thiết "
    "hoặc chia nhỏ tệp rồi tải lên lại."
)


MSG_NOT_SPREADSHEET = (
    "Tệp này không phải bảng tính mà là {what}; hãy tải lên tệp Excel (.xlsx, .xls), "
    "LibreOffice (.ods) hoặc CSV."
)


MSG_HTML = (
    "Tệp là trang web (HTML/XML) được đặt đuôi Excel; hãy mở bằng Excel, chọn Lưu thành "
    "định dạng .xlsx rồi tải lên lại."
)




MSG_TOO_MANY_CELLS = (
    "Trang tính “{sheet}” trải quá rộng ({rows} dòng × {cols} cột); hãy xóa các ô thừa nằm "
    "xa bảng số liệu rồi tải lên lại."
)


MSG_TOO_MANY_CELLS_DENSE = (
    "Trang tính quá lớn: đã có hơn {cells} ô có dữ liệu, vượt giới hạn {limit} ô của một tệp "
    "tải lên; hãy chỉ giữ bảng số liệu cần nộp (danh sách dài thì chia theo huyện, xã) rồi "
    "tải lên lại."
)


MSG_TOO_MANY_CELLS_UNNAMED = (
    "Một trang tính trải quá rộng ({rows} dòng × {cols} cột); hãy xóa các ô thừa nằm xa bảng "
    "số liệu rồi tải lên lại."
)


class SpreadsheetError(ValueError):
    """Bad input, with a one-line Vietnamese message for the uploader as str(error)."""


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _mb(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}".replace(".", ",")


MSG_UNDECODABLE = (
    "Không đọc được đúng chữ tiếng Việt trong tệp CSV (bảng mã không nhận ra được, có thể là "
    "bảng mã cũ TCVN3/VNI hoặc tệp bị hỏng); hãy mở tệp bằng Excel, chọn Lưu thành “CSV UTF-8 "
    "(phân tách bằng dấu phẩy)” hoặc .xlsx rồi tải lên lại."
)
MSG_CSV_ENCODING = MSG_UNDECODABLE
