"""User-facing strings of the web pages: Vietnamese first, English available.

One table, keyed by short English ids. Templates call ``t("key")``; scripts
get the same table as JSON (``window.I18N``) so live updates speak the page's
language too.
"""
from __future__ import annotations

LANGS = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app": ("Một cửa", "One-stop"),
    "lang_toggle": ("English", "Tiếng Việt"),
    # login
    "login_title": ("Đăng nhập cán bộ", "Staff sign-in"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_required": ("Vui lòng đăng nhập để tiếp tục.", "Please sign in to continue."),
    "forbidden": ("Tài khoản này không có quyền mở trang này.", "This account may not open this page."),
    "device_key_required": ("Thiếu hoặc sai khóa thiết bị.", "Missing or wrong device key."),
    "device_key": ("Khóa thiết bị", "Device key"),
    "open": ("Mở", "Open"),
    # console
    "console_title": ("Bàn làm việc cán bộ", "Officer console"),
    "counter": ("Quầy", "Counter"),
    "counter_no": ("Quầy số", "Counter"),
    "choose_counter": ("Chọn quầy", "Choose counter"),
    "current_ticket": ("Số đang phục vụ", "Current ticket"),
    "no_ticket": ("Chưa có số nào", "No ticket"),
    "call_next": ("Gọi số tiếp", "Call next"),
    "recall": ("Gọi lại", "Recall"),
    "start": ("Bắt đầu", "Start"),
    "finish": ("Hoàn thành", "Finish"),
    "no_show": ("Vắng mặt", "No-show"),
    "transfer": ("Chuyển", "Transfer"),
    "transfer_to": ("Chuyển sang lĩnh vực", "Transfer to service"),
    "pause": ("Tạm dừng", "Pause"),
    "resume": ("Tiếp tục", "Resume"),
    "cancel": ("Hủy", "Cancel"),
    "confirm": ("Xác nhận", "Confirm"),
    "paused_banner": ("Quầy đang tạm dừng", "Counter paused"),
    "waiting": ("Đang chờ", "Waiting"),
    "waiting_here": ("Đang chờ tại quầy này", "Waiting for this counter"),
    "today": ("Hôm nay", "Today"),
    "served": ("Đã phục vụ", "Served"),
    "no_shows": ("Vắng mặt", "No-shows"),
    "transferred": ("Đã chuyển", "Transferred"),
    "avg_service": ("Thời gian phục vụ TB", "Average service time"),
    "nobody_waiting": ("Không còn ai đang chờ.", "Nobody is waiting."),
    "priority": ("Ưu tiên", "Priority"),
    "shortcuts": ("Phím tắt", "Shortcuts"),
    "state_waiting": ("Đang chờ", "Waiting"),
    "state_called": ("Đã gọi", "Called"),
    "state_serving": ("Đang phục vụ", "Serving"),
    "state_done": ("Hoàn thành", "Done"),
    "state_no_show": ("Vắng mặt", "No-show"),
    "state_transferred": ("Đã chuyển", "Transferred"),
    "state_cancelled": ("Đã hủy", "Cancelled"),
    "error": ("Lỗi", "Error"),
    "minutes": ("phút", "min"),
    # display
    "display_title": ("Màn hình gọi số", "Hall display"),
    "now_calling": ("Xin mời số", "Now calling"),
    "to_counter": ("đến quầy số", "to counter"),
    "recent_calls": ("Các số vừa gọi", "Recent calls"),
    "number": ("Số", "Number"),
    "waiting_per_service": ("Số người đang chờ", "People waiting"),
    "enable_sound": ("Bật âm thanh", "Enable sound"),
    "offline": ("Mất kết nối — đang kết nối lại…", "Offline — reconnecting…"),
    "online": ("Trực tuyến", "Live"),
    # rating
    "rate_title": ("Đánh giá mức độ hài lòng", "Rate our service"),
    "rate_idle": ("Mời ông/bà đánh giá sau khi được phục vụ.", "Please rate us after you have been served."),
    "rate_question": ("Ông/bà có hài lòng với việc phục vụ?", "Are you satisfied with the service?"),
    "officer": ("Cán bộ", "Officer"),
    "ticket": ("Số thứ tự", "Ticket"),
    "very_satisfied": ("Rất hài lòng", "Very satisfied"),
    "satisfied": ("Hài lòng", "Satisfied"),
    "dissatisfied": ("Không hài lòng", "Dissatisfied"),
    "reason": ("Lý do không hài lòng", "Why were you dissatisfied?"),
    "reason_required": ("Vui lòng cho biết lý do.", "Please tell us why."),
    "reason_wait": ("Chờ quá lâu", "Waited too long"),
    "reason_attitude": ("Thái độ chưa tốt", "Unfriendly"),
    "reason_guidance": ("Hướng dẫn chưa rõ", "Unclear guidance"),
    "send": ("Gửi đánh giá", "Send"),
    "thanks": ("Cảm ơn ông/bà đã đánh giá!", "Thank you for your feedback!"),
    # dashboard
    "dashboard_title": ("Giám sát trung tâm", "Supervisor dashboard"),
    "counters": ("Quầy", "Counters"),
    "state": ("Trạng thái", "State"),
    "idle_for": ("Rảnh", "Idle for"),
    "services": ("Lĩnh vực", "Services"),
    "service": ("Lĩnh vực", "Service"),
    "queue_length": ("Đang chờ", "Waiting"),
    "longest_wait": ("Chờ lâu nhất", "Longest wait"),
    "devices": ("Thiết bị", "Devices"),
    "device": ("Thiết bị", "Device"),
    "last_seen": ("Lần báo gần nhất", "Last report"),
    "alerts": ("Cảnh báo", "Alerts"),
    "no_alerts": ("Không có cảnh báo.", "No alerts."),
    "ratings_today": ("Đánh giá hôm nay", "Ratings today"),
    "counter_open": ("Đang mở", "Open"),
    "counter_paused": ("Tạm dừng", "Paused"),
    "counter_serving": ("Đang phục vụ", "Serving"),
    "counter_closed": ("Đóng", "Closed"),
    "updated": ("Cập nhật", "Updated"),
    "status_ok": ("Bình thường", "OK"),
    "status_warning": ("Cảnh báo", "Warning"),
    "status_error": ("Lỗi", "Error"),
    "status_offline": ("Mất liên lạc", "Offline"),
    "comp_printer": ("Máy in", "Printer"),
    "comp_scanner": ("Đầu đọc mã", "Scanner"),
    "comp_locker": ("Tủ khóa", "Locker"),
    "comp_board": ("Bo mạch khóa", "Lock board"),
    "comp_paper": ("Giấy in", "Paper"),
}


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else "vi"


def table(lang: str) -> dict[str, str]:
    index = LANGS.index(pick_lang(lang))
    return {key: pair[index] for key, pair in STRINGS.items()}


def translator(lang: str):
    strings = table(lang)
    return lambda key: strings.get(key, key)
