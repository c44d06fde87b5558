"""Every page of the dashboard, declared once: file, title, URL and who may open it.

`dashboard.py` builds the navigation from this list, and each page checks its own entry
before drawing anything (a page under `pages/` can be opened by URL without the entry point).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVERYONE = ("admin", "leader", "staff")


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon: str
    section: str
    roles: tuple[str, ...] = EVERYONE

    @property
    def path(self) -> str:
        return f"pages/{self.key}.py"

    @property
    def url_path(self) -> str:
        return self.key.replace("_", "-")

    def exists(self) -> bool:
        return (ROOT / self.path).exists()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("tong_quan", "Tổng quan", ":material/dashboard:", "Theo dõi"),
    PageSpec("xep_hang", "Xếp hạng", ":material/leaderboard:", "Theo dõi"),
    PageSpec("chi_tieu", "Chỉ tiêu", ":material/flag:", "Theo dõi"),
    PageSpec("xa_cham", "Xã chậm tiến độ", ":material/warning:", "Theo dõi"),
    PageSpec("xu_huong", "Xu hướng", ":material/trending_up:", "Theo dõi"),
    PageSpec("tai_len", "Tải lên báo cáo", ":material/upload_file:", "Số liệu",
             ("admin", "staff")),
    PageSpec("tien_do_bao_cao", "Tiến độ báo cáo", ":material/schedule:", "Số liệu"),
    PageSpec("chat_luong", "Chất lượng dữ liệu", ":material/fact_check:", "Số liệu"),
    PageSpec("quan_tri", "Quản trị", ":material/admin_panel_settings:", "Quản trị", ("admin",)),
    PageSpec("nhat_ky", "Nhật ký", ":material/history:", "Quản trị", ("admin",)),
)

BY_KEY = {p.key: p for p in PAGES}
HOME = "tong_quan"  # the default page: the navigation serves it at the root URL


def url_aliases() -> dict[str, str]:
    """Other URLs people use for a page -> its URL in the navigation: the legacy pages/
    router's file names (/quan_tri -> /quan-tri), and the home page's own name (/tong-quan
    and /tong_quan -> /), which the navigation does not know (it serves the home at /)."""
    aliases = {f"/{p.key}": f"/{p.url_path}" for p in PAGES if p.key != p.url_path}
    home = BY_KEY[HOME]
    aliases.update({f"/{home.key}": "/", f"/{home.url_path}": "/"})
    return aliases


def pages_for(role: str | None) -> tuple[PageSpec, ...]:
    """The existing pages a role sees in the navigation; None (signed out): all of them, so
    that every URL still reaches its page, whose own gate then shows the sign-in form."""
    return tuple(p for p in PAGES if p.exists() and (role is None or role in p.roles))
