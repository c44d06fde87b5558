"""The files `import` is given: read from disk with the upload's size limit and Vietnamese
reasons for what the system refuses, and the first one handed to its reading child before the
command loads its libraries (the read then overlaps the half second pandas and SQLAlchemy
take to load; core.ingest.files.read_ahead). Kept free of pandas and SQLAlchemy for that."""

from __future__ import annotations

import errno
import os

from core.errors import UserError

# The bytes read ahead, by path: handed out once, as the same object the child was given.
_read: dict[str, bytes] = {}


def read_ahead(path: str) -> None:
    """Read the file now and start its workbook read; a file that cannot be read is left for
    `read_upload` to refuse in order."""
    from core import config
    from core.ingest import files

    try:
        data = read_upload(path)
    except UserError:
        return
    _read[path] = data
    files.read_ahead(data, max_bytes=config.upload_limit_bytes())


def read_upload(path: str) -> bytes:
    """The file's bytes, within the upload limit, or a UserError saying why not."""
    if path in _read:
        return _read.pop(path)
    from core import config
    from core.ingest.limits import MB, MSG_TOO_BIG

    try:
        size = os.path.getsize(path)
        limit = config.upload_limit_bytes()
        if size > limit:
            raise UserError(MSG_TOO_BIG.format(size=f"{size / MB:.0f}",
                                               limit=f"{limit / MB:.0f}"))
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as err:
        raise UserError(f"Không đọc được tệp “{path}”: {_os_reason(err)}.") from None


def size_of(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


_OS_REASONS = {
    errno.ENOENT: "không có tệp này (kiểm tra lại đường dẫn)",
    errno.EACCES: "không có quyền đọc tệp này",
    errno.EPERM: "không có quyền đọc tệp này",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
    errno.ENAMETOOLONG: "tên tệp quá dài",
}


def _os_reason(err: OSError) -> str:
    """The operating system's refusal in Vietnamese (its own words are English)."""
    return _OS_REASONS.get(err.errno, f"hệ điều hành từ chối (mã lỗi {err.errno})")
