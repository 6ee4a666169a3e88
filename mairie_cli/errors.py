"""The error family of mairie.

Every failure a user can meet is a ``MairieError`` subclass carrying a short stable code
(``E111``) that a secretary can read over the phone, a French sentence saying what happened
and what to do, and its own process exit code. The command line catches them in one place;
``docs/erreurs.md`` lists every code with its remedy (a test keeps both in step).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes: 0 is success, every failure family has its own number."""

    OK = 0
    USAGE = 2
    WORKSPACE_NOT_FOUND = 10
    WORKSPACE_CONFLICT = 11
    DATABASE_CORRUPT = 12
    DATABASE_TOO_NEW = 13
    DATABASE_BUSY = 14
    STORAGE_FAILED = 15
    INVALID_INSEE = 20
    INVALID_DATE = 21
    EMPTY_TEXT = 22
    INVALID_NATURE = 23
    UNKNOWN_CAHIER = 24
    UNKNOWN_CONTRIBUTION = 25
    AMBIGUOUS_ID = 26
    INVALID_VALUE = 27
    DELETED_CONTRIBUTION = 28
    FILE_UNREADABLE = 30
    NOT_A_SPREADSHEET = 31
    NO_TEXT_COLUMN = 32
    ROWS_REJECTED = 33
    INVALID_QUERY = 40
    EDITOR_FAILED = 41
    KEY_PROBLEM = 50
    EXPORT_FAILED = 51
    PART_TOO_LARGE = 52
    COPY_MISMATCH = 53
    SIGNATURE_INVALID = 60
    DECRYPTION_FAILED = 61
    BUNDLE_INVALID = 62
    UNSAFE_ARCHIVE = 63
    UNTRUSTED_KEY = 64
    OUTSIDE_DEPARTMENT = 65
    SEQUENCE_CONFLICT = 66
    STATE_MISMATCH = 67
    RECEPTION_INCOMPLETE = 68
    INVALID_DEPARTMENT = 69
    COMMUNE_CLAIMED = 71
    OCR_UNAVAILABLE = 80
    SCAN_UNREADABLE = 81
    BATCH_INCOMPLETE = 82
    UNEXPECTED = 70
    INTERRUPTED = 130


class MairieError(Exception):
    """Base of every error shown to a user: a code, a French message, an exit code."""

    code = "E100"
    exit_code = ExitCode.STORAGE_FAILED

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        #: Optional structured result (for example the import report) for ``--json``.
        self.report: object | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class WorkspaceNotFound(MairieError):
    code = "E101"
    exit_code = ExitCode.WORKSPACE_NOT_FOUND


class WorkspaceConflict(MairieError):
    code = "E102"
    exit_code = ExitCode.WORKSPACE_CONFLICT


class DatabaseCorrupt(MairieError):
    code = "E103"
    exit_code = ExitCode.DATABASE_CORRUPT


class DatabaseTooNew(MairieError):
    code = "E104"
    exit_code = ExitCode.DATABASE_TOO_NEW


class DatabaseBusy(MairieError):
    code = "E105"
    exit_code = ExitCode.DATABASE_BUSY


class StorageFailed(MairieError):
    code = "E106"
    exit_code = ExitCode.STORAGE_FAILED


class DiskError(MairieError):
    code = "E107"
    exit_code = ExitCode.STORAGE_FAILED


class InvalidInsee(MairieError):
    code = "E111"
    exit_code = ExitCode.INVALID_INSEE


class InvalidDate(MairieError):
    code = "E112"
    exit_code = ExitCode.INVALID_DATE


class EmptyText(MairieError):
    code = "E113"
    exit_code = ExitCode.EMPTY_TEXT


class InvalidNature(MairieError):
    code = "E114"
    exit_code = ExitCode.INVALID_NATURE


class UnknownCahier(MairieError):
    code = "E115"
    exit_code = ExitCode.UNKNOWN_CAHIER


class UnknownContribution(MairieError):
    code = "E116"
    exit_code = ExitCode.UNKNOWN_CONTRIBUTION


class AmbiguousId(MairieError):
    code = "E117"
    exit_code = ExitCode.AMBIGUOUS_ID


class InvalidValue(MairieError):
    code = "E118"
    exit_code = ExitCode.INVALID_VALUE


class DeletedContribution(MairieError):
    code = "E119"
    exit_code = ExitCode.DELETED_CONTRIBUTION


class FileUnreadable(MairieError):
    code = "E131"
    exit_code = ExitCode.FILE_UNREADABLE


class NotASpreadsheet(MairieError):
    code = "E132"
    exit_code = ExitCode.NOT_A_SPREADSHEET


class NoTextColumn(MairieError):
    code = "E133"
    exit_code = ExitCode.NO_TEXT_COLUMN


class RowsRejected(MairieError):
    code = "E134"
    exit_code = ExitCode.ROWS_REJECTED


class InvalidQuery(MairieError):
    code = "E141"
    exit_code = ExitCode.INVALID_QUERY


class EditorFailed(MairieError):
    code = "E142"
    exit_code = ExitCode.EDITOR_FAILED


class KeyProblem(MairieError):
    code = "E151"
    exit_code = ExitCode.KEY_PROBLEM


class ExportFailed(MairieError):
    code = "E161"
    exit_code = ExitCode.EXPORT_FAILED


class PartTooLarge(MairieError):
    code = "E162"
    exit_code = ExitCode.PART_TOO_LARGE


class CopyMismatch(MairieError):
    code = "E163"
    exit_code = ExitCode.COPY_MISMATCH


class SignatureInvalid(MairieError):
    code = "E171"
    exit_code = ExitCode.SIGNATURE_INVALID


class DecryptionFailed(MairieError):
    code = "E172"
    exit_code = ExitCode.DECRYPTION_FAILED


class BundleInvalid(MairieError):
    code = "E173"
    exit_code = ExitCode.BUNDLE_INVALID


class UnsafeArchive(MairieError):
    code = "E174"
    exit_code = ExitCode.UNSAFE_ARCHIVE


class UntrustedKey(MairieError):
    code = "E191"
    exit_code = ExitCode.UNTRUSTED_KEY


class OutsideDepartment(MairieError):
    code = "E192"
    exit_code = ExitCode.OUTSIDE_DEPARTMENT


class SequenceConflict(MairieError):
    code = "E193"
    exit_code = ExitCode.SEQUENCE_CONFLICT


class StateMismatch(MairieError):
    code = "E194"
    exit_code = ExitCode.STATE_MISMATCH


class ReceptionIncomplete(MairieError):
    code = "E195"
    exit_code = ExitCode.RECEPTION_INCOMPLETE


class InvalidDepartment(MairieError):
    code = "E196"
    exit_code = ExitCode.INVALID_DEPARTMENT


class CommuneClaimed(MairieError):
    """A department's bundle speaks for a commune another department already speaks for."""

    code = "E197"
    exit_code = ExitCode.COMMUNE_CLAIMED


class OcrUnavailable(MairieError):
    code = "E181"
    exit_code = ExitCode.OCR_UNAVAILABLE


class ScanUnreadable(MairieError):
    code = "E182"
    exit_code = ExitCode.SCAN_UNREADABLE


class BatchIncomplete(MairieError):
    code = "E183"
    exit_code = ExitCode.BATCH_INCOMPLETE


class UnexpectedError(MairieError):
    code = "E199"
    exit_code = ExitCode.UNEXPECTED


def all_error_classes() -> list[type[MairieError]]:
    """Every concrete error class, for the documentation test and ``docs/erreurs.md``."""
    found: list[type[MairieError]] = []
    pending: list[type[MairieError]] = [MairieError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            pending.append(sub)
    return sorted(found, key=lambda c: c.code)
