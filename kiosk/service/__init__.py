"""The technician's hidden service menu, Qt-free (the screens live in kiosk/ui).

Start at :class:`ServiceMenu` (kiosk.service.menu); docs/service.md describes PIN storage,
delays and lockout, enrolment, the audit trail and the export formats.
"""

from kiosk.service.actuators import CalibrationResult, CalibrationRun, TestVendResult
from kiosk.service.audit import AuditAction, AuditResult
from kiosk.service.auth import LockoutPolicy, LoginResult, LoginStatus, PinGate
from kiosk.service.diagnostics import (
    DepthSample,
    DeviceInfo,
    FaultRecord,
    HourBucket,
    SyncStatus,
    Versions,
)
from kiosk.service.errors import (
    ControlError,
    DeviceError,
    EnrolmentError,
    ExportError,
    PinChangeRequiredError,
    PinRejectedError,
    ServiceError,
    SessionExpiredError,
    StockError,
    TransactionError,
)
from kiosk.service.events import (
    DoseDidChange,
    EndReason,
    MaintenanceDidChange,
    PinDidFail,
    ServiceDidLock,
    ServiceDidUnlock,
    ServiceEvent,
    ServiceListener,
    SessionDidEnd,
    SessionDidStart,
    StockDidMove,
    TechnicianDidChange,
)
from kiosk.service.export import ExportConfig, ExportedFile, ExportResult
from kiosk.service.hextrace import HexTrace, HexTraceHub, TraceLine
from kiosk.service.menu import ServiceConfig, ServiceMenu
from kiosk.service.pins import ScryptParams, check_new_pin, hash_pin
from kiosk.service.session import ServiceSession
from kiosk.service.stock import (
    AdjustmentReason,
    ChannelStock,
    Lot,
    SlotStock,
    StockMoved,
    StockOverview,
    StockThresholds,
    StockWarning,
    WarningKind,
)
from kiosk.service.transactions import RefundRequested, TransactionSummary

__all__ = [
    "AdjustmentReason",
    "AuditAction",
    "AuditResult",
    "CalibrationResult",
    "CalibrationRun",
    "ChannelStock",
    "ControlError",
    "DepthSample",
    "DeviceError",
    "DeviceInfo",
    "DoseDidChange",
    "EndReason",
    "EnrolmentError",
    "ExportConfig",
    "ExportError",
    "ExportResult",
    "ExportedFile",
    "FaultRecord",
    "HexTrace",
    "HexTraceHub",
    "HourBucket",
    "LockoutPolicy",
    "LoginResult",
    "LoginStatus",
    "Lot",
    "MaintenanceDidChange",
    "PinChangeRequiredError",
    "PinDidFail",
    "PinGate",
    "PinRejectedError",
    "RefundRequested",
    "ScryptParams",
    "ServiceConfig",
    "ServiceDidLock",
    "ServiceDidUnlock",
    "ServiceError",
    "ServiceEvent",
    "ServiceListener",
    "ServiceMenu",
    "ServiceSession",
    "SessionDidEnd",
    "SessionDidStart",
    "SessionExpiredError",
    "SlotStock",
    "StockDidMove",
    "StockError",
    "StockMoved",
    "StockOverview",
    "StockThresholds",
    "StockWarning",
    "SyncStatus",
    "TechnicianDidChange",
    "TestVendResult",
    "TraceLine",
    "TransactionError",
    "TransactionSummary",
    "Versions",
    "WarningKind",
    "check_new_pin",
    "hash_pin",
]
