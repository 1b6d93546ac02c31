"""The result kiosk's own screen words, Vietnamese first (the flow's sentences are in kiosk_app.result.flow.MESSAGES).

Kept as (vi, en) pairs beside the screens rather than in the ticket kiosk's
gettext catalogs: the result screens come and go with the lockers feature.
"""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Nhận kết quả", "Collect your result"),
    "home_hint": ("Đặt mã QR trên giấy hẹn dưới đầu đọc bên dưới màn hình",
                  "Hold the QR code of your receipt under the reader below the screen"),
    "type_code": ("Nhập mã hồ sơ", "Type the dossier code"),
    "staff": ("Cán bộ", "Staff"),
    "starting": ("Đang kết nối với tủ…", "Connecting to the lockers…"),
    "lockers_down": ("Tủ trả kết quả tạm ngưng. Mời ông/bà đến quầy trả kết quả",
                     "The result lockers are out of service. Please go to the result counter"),
    "dossier_code": ("Mã hồ sơ", "Dossier code"),
    "no_code_yet": ("(chưa nhập mã)", "(no code yet)"),
    "dossier_hint": ("Mã hồ sơ in trên giấy hẹn, ví dụ 000.00.21.H29-230101-0001",
                     "The dossier code is on your receipt, e.g. 000.00.21.H29-230101-0001"),
    "invalid": ("Mã này không đúng dạng mã hồ sơ. Vui lòng kiểm tra lại",
                "This does not look like a dossier code. Please check it"),
    "checking": ("Đang kiểm tra…", "Checking…"),
    "dossier_n": ("Hồ sơ {code}", "Dossier {code}"),
    "back": ("Quay lại", "Back"),
    "ok": ("Đồng ý", "OK"),
    "del": ("Xóa", "Del"),
    "clear": ("Xóa hết", "Clear"),
    "compartment": ("Ngăn số", "Compartment"),
    "opened_n": ("Ngăn số {n} đã mở", "Compartment {n} is open"),
    "opening_n": ("Đang mở ngăn số {n}…", "Opening compartment {n}…"),
    "take_and_close": ("Mời ông/bà lấy kết quả và đóng cửa", "Please take your result and close the door"),
    "door_is_open": ("Cửa: đang mở", "Door: open"),
    "door_is_closed": ("Cửa: đã đóng", "Door: closed"),
    "door_unknown": ("Cửa: đang kiểm tra", "Door: checking"),
    "item_in": ("Kết quả: còn trong ngăn", "Result: in the compartment"),
    "item_out": ("Kết quả: đã lấy ra", "Result: taken out"),
    "item_none": ("Trong ngăn: trống", "Inside: empty"),
    "done": ("Xong", "Done"),
    "try_again": ("Thử lại", "Try again"),
    "new_code": ("Gửi lại mã mới", "Send me a new code"),
    "h_slowed": ("Tạm dừng nhập mã", "Code entry paused"),
    "slip_printed": ("Mời nhận phiếu nhận kết quả ở khe máy in", "Please take your pickup slip from the printer"),
    "slip_failed": ("Không in được phiếu nhận; việc nhận kết quả đã được ghi lại",
                    "The slip could not be printed; your pickup is recorded"),
    "h_collected": ("Đã nhận kết quả", "Result collected"),
    "h_not_taken": ("Kết quả chưa được lấy", "Result not taken"),
    "h_door_failed": ("Ngăn tủ không mở được", "The compartment did not open"),
    "h_locked": ("Hồ sơ tạm khóa", "Dossier locked"),
    "h_message": ("Thông báo", "Notice"),
    "staff_login": ("Cán bộ đăng nhập", "Staff sign-in"),
    "username": ("Tên đăng nhập", "Username"),
    "pin": ("Mã PIN", "PIN"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "signed_in": ("Cán bộ: {name}", "Officer: {name}"),
    "size": ("Cỡ ngăn", "Size"),
    "size_S": ("Nhỏ (S)", "Small (S)"),
    "size_M": ("Vừa (M)", "Medium (M)"),
    "size_L": ("Lớn (L)", "Large (L)"),
    "open_compartment": ("Mở ngăn", "Open"),
    "deposit_more": ("Gửi tiếp", "Next result"),
    "h_deposit_opening": ("Đang mở ngăn", "Opening"),
    "h_deposit_open": ("Đặt kết quả vào ngăn", "Put the result in"),
    "h_deposit_done": ("Đã gửi vào tủ", "Deposited"),
    "h_deposit_empty": ("Ngăn trống", "Compartment empty"),
    "h_deposit_failed": ("Ngăn không mở được", "Did not open"),
    # receive the result by post
    "post": ("Nhận kết quả qua bưu điện", "Receive by post"),
    "h_not_ready": ("Chưa có kết quả trong tủ", "Not in the lockers yet"),
    "h_postal_done": ("Sẽ gửi qua bưu điện", "Coming by post"),
    "postal_title": ("Nhận kết quả qua bưu điện", "Receive the result by post"),
    "recipient": ("Người nhận", "Recipient"),
    "address": ("Địa chỉ", "Address"),
    "phone": ("Điện thoại", "Phone"),
    "postal_missing": ("Cần họ tên người nhận và địa chỉ đầy đủ", "A recipient and a full address are needed"),
    "send_code": ("Gửi mã xác nhận", "Send a confirmation code"),
    "postal_code_title": ("Nhập mã xác nhận", "Enter the confirmation code"),
    "confirm": ("Xác nhận", "Confirm"),
    "space": ("Cách", "Space"),
    "shift": ("Chữ hoa", "Caps"),
}


def rt(key: str, lang: str, **values: object) -> str:
    vi, en = WORDS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text

# Keypad keys that are words, by the text key of their label.
WORD_KEYS = {"back": "del", "clear": "clear", "ok": "ok", "space": "space", "shift": "shift"}
