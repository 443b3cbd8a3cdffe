"""The touchscreen (PySide6 Qt Widgets): screens render :class:`kiosk.journey.View` values.

``theme`` (palette, sizes, QSS), ``widgets`` (buttons, tiles, images), ``i18n`` (languages,
right-to-left, money for the locale), ``viewmodel`` (the Qt face of the shopper journey),
``shell`` (the window: header, screen stack, idle prompt, reach mode) and ``screens/``.
Only this package and ``kiosk/app.py`` import PySide6.
"""
