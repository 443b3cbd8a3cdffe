"""The shopper screens, one module each; every screen renders a :class:`kiosk.journey.View`."""
