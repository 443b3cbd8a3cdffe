"""The purchase flow: state machine, crash-safe journal, payment policy, settlement and
start-up recovery. Qt-free; the screens render its states."""
