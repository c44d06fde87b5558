"""The dashboard's vocabulary: the one home of every shared name and label.

Beneficiary groups, report kinds, figure fields, unit levels and their Vietnamese labels, as
/work/shared/DOMAIN.md names them. The base layer: it imports nothing from the project, and
every other module (storage, ingest, analytics, exports, ui, pages, bench, tests) takes its
names from here instead of writing them again. A label that belongs to one rule only (the
colour of a rate, an audit action, a role) lives beside that rule.
"""

from __future__ import annotations

# --- beneficiary groups ----------------------------------------------------------------------

GROUPS = ("ncc", "btxh", "ngheo")
ALL_GROUPS = "all"

GROUP_LABELS = {
    "ncc": "Người có công",
    "btxh": "Bảo trợ xã hội",
    "ngheo": "Hộ nghèo, hộ cận nghèo",
    ALL_GROUPS: "Tất cả nhóm",
}

# --- report kinds ----------------------------------------------------------------------------

KINDS = ("progress", "quota", "national")

KIND_LABELS = {"progress": "Báo cáo tiến độ", "quota": "Chỉ tiêu (Phụ lục 01)",
               "national": "Báo cáo toàn quốc (theo tỉnh)", "demo": "Dữ liệu mẫu"}

# --- figure fields ---------------------------------------------------------------------------

# The optional figures a report may carry besides total / accounts / cashless (DOMAIN.md).
OPTIONAL_FIELDS = ("proxy_paid", "cash_at_home", "id_verified", "id_pending", "id_problem")

# The counts stored for each unit, group and day.
COUNT_FIELDS = ("total", "accounts", "cashless", *OPTIONAL_FIELDS)

# What a progress report may carry: the counts and the rate it writes beside them.
PROGRESS_FIELDS = ("total", "accounts", "cashless", "rate", *OPTIONAL_FIELDS)

QUARTERS = ("q1", "q2", "q3", "q4")

# What a quota table (Phụ lục 01) carries.
QUOTA_FIELDS = ("base_total", *QUARTERS, "year_total", "year_share_pct")

PERCENT_FIELDS = frozenset({"rate", "year_share_pct"})

FIELD_LABELS = {
    "total": "Tổng số đối tượng",
    "accounts": "Số đã có tài khoản",
    "cashless": "Số đã chi trả qua tài khoản",
    "rate": "Tỷ lệ (%)",
    "proxy_paid": "Chi qua tài khoản người được ủy quyền",
    "cash_at_home": "Chi tiền mặt tại nhà (bất khả kháng)",
    "id_verified": "Đã xác thực",
    "id_pending": "Chờ xác thực",
    "id_problem": "Không có CCCD, lệch thông tin, không tìm thấy",
    "base_total": "Tổng số đối tượng (cơ sở giao chỉ tiêu)",
    "q1": "Chỉ tiêu quý 1",
    "q2": "Chỉ tiêu quý 2",
    "q3": "Chỉ tiêu quý 3",
    "q4": "Chỉ tiêu quý 4",
    "year_total": "Chỉ tiêu cả năm",
    "year_share_pct": "Tỷ lệ % đạt được cả năm",
}

# --- unit levels -----------------------------------------------------------------------------

PROVINCE, DISTRICT, COMMUNE = 1, 2, 3
LEVELS = (PROVINCE, DISTRICT, COMMUNE)

# A level in running text: "cấp xã", "mã huyện".
LEVEL_NAMES = {PROVINCE: "tỉnh", DISTRICT: "huyện", COMMUNE: "xã"}

# A level as a picker's title.
LEVEL_TITLES = {PROVINCE: "Tỉnh/thành phố", DISTRICT: "Huyện/thị xã/thành phố",
                COMMUNE: "Xã/phường/thị trấn"}

# Official codes are zero-padded to a fixed width per level, so they never collide.
CODE_WIDTH = {PROVINCE: 2, DISTRICT: 3, COMMUNE: 5}

# The type of a unit, as its official name begins.
UNIT_KIND_LABELS = {
    "tinh": "Tỉnh", "thanh_pho_tw": "Thành phố", "thanh_pho": "Thành phố", "thi_xa": "Thị xã",
    "huyen": "Huyện", "quan": "Quận", "thi_tran": "Thị trấn", "phuong": "Phường", "xa": "Xã",
}

# --- why a unit is not ranked by its rate ----------------------------------------------------

REASON_LABELS = {
    "not_started": "Chưa triển khai",
    "below_threshold": "Dưới ngưỡng",
    "not_reported": "Chưa báo cáo",
}
