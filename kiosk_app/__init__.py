"""motcua touchscreen kiosk (Kivy): ticket kiosk and result kiosk."""
