"""The perfume kiosk application: Qt-free domain modules and, under ``kiosk.ui``, the screens.

``kiosk.app`` is the composition root; ``kiosk.cli`` is the ``perfume-kiosk`` command.
"""
