"""Typed domain errors. Each carries a stable machine `code`; the API maps the class to a status."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule about its values (HTTP 422)."""
    code = "invalid"


class NotFound(DomainError):
    """Does not exist, or the caller may not know that it exists (HTTP 404)."""
    code = "not_found"


class Forbidden(DomainError):
    """The caller may know the resource but may not do this (HTTP 403)."""
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class RateLimited(DomainError):
    """Too many attempts; `retry_after` (seconds) says when to try again (HTTP 429)."""
    code = "rate_limited"


class Conflict(DomainError):
    """The change conflicts with the current state (HTTP 409)."""
    code = "conflict"


class Unavailable(DomainError):
    """A server the request needs (the database) cannot be reached for now, even after retrying for a few
    seconds (HTTP 503 with Retry-After). Nothing was changed, or the change is safe to send again."""
    code = "database_unavailable"


def N_(message: str) -> str:
    """Marks a message for translation (extracted by `make messages`); translated where it is shown."""
    return message


# Every error code bridgepoint answers with, registered once, with the text a person reads. The services'
# own messages are more specific (they name the thing); pages and problem details in Vietnamese show these.
# tests/test_i18n.py fails when a code used anywhere is missing here or has no Vietnamese translation.
MESSAGES: dict[str, str] = {
    # generic and HTTP-level
    "domain_error": N_("The request could not be carried out."),
    "invalid": N_("A value is not valid."),
    "invalid_input": N_("A value is missing or has the wrong type."),
    "malformed_json": N_("The request body could not be read."),
    "bad_request": N_("The request could not be read."),
    "not_found": N_("Not found, or you may not see it."),
    "forbidden": N_("You may not do this."),
    "conflict": N_("This conflicts with the current state."),
    "unauthenticated": N_("Please sign in."),
    "method_not_allowed": N_("This action is not available here."),
    "too_large": N_("The request is too large."),
    "rate_limited": N_("Too many attempts; wait a moment and try again."),
    "internal_error": N_("An unexpected error occurred; it has been logged."),
    "database_unavailable": N_("The database cannot be reached right now; try again in a moment."),
    "csrf_failed": N_("The form has expired or did not come from bridgepoint; reload the page and try again."),
    "session_expired": N_("Your session has ended; please sign in again."),
    "unknown_language": N_("This language is not available."),
    # sign-in and users
    "bad_credentials": N_("Wrong username or password."),
    "bad_token": N_("The token is unknown, expired or revoked."),
    "token_in_url": N_("Send the token in the Authorization header, not in the address."),
    "forbidden_role": N_("Your role may not do this."),
    "user_not_found": N_("The user was not found."),
    "duplicate_username": N_("This username is already taken."),
    "weak_password": N_("The password must have at least 8 characters."),
    "sites_for_operators_only": N_("Only operators are bound to bridge points."),
    "not_yourself": N_("You cannot do this to your own account."),
    "password_too_short": N_("The password must have at least %(min_length)s characters."),
    "password_common": N_("This password is well known or too easy to guess; a few unrelated words make a better "
                          "one."),
    "password_is_username": N_("The password must not be the username."),
    "password_change_required": N_("Your password was set by an administrator; choose your own first."),
    "wrong_password": N_("The current password is wrong."),
    "password_unchanged": N_("Choose a password other than the current one."),
    "passwords_differ": N_("The two new passwords differ."),
    "date_out_of_range": N_("The date must lie between the years %(first)s and %(last)s."),
    "invalid_cursor": N_("This is not a page marker this list gave; start again from its first page."),
    "cursor_and_offset": N_("Give either a page marker or a position, not both."),
    # field values
    "blank": N_("This field must not be blank."),
    "required": N_("This field is required."),
    "out_of_range": N_("The value is out of range."),
    "too_long": N_("The text is too long."),
    "unknown_reference": N_("The referenced item does not exist."),
    "invalid_timezone": N_("Unknown time zone."),
    "invalid_filename": N_("The file name is not allowed."),
    "ends_before_starts": N_("The end must be after the start."),
    # units, points, delegates
    "unit_not_found": N_("The unit was not found."),
    "unit_in_use": N_("The unit is still used by points, delegates or other units."),
    "unit_cycle": N_("A unit cannot be placed under itself."),
    "duplicate_code": N_("This code is already used."),
    "site_not_found": N_("The bridge point was not found."),
    "site_inactive": N_("The bridge point is inactive."),
    "empty_selection": N_("Pick at least one bridge point or unit."),
    "delegate_not_found": N_("The delegate was not found."),
    "delegate_in_use": N_("The delegate is still invited to a conference."),
    "possible_duplicate": N_("A delegate with the same name in the same unit, or with the same e-mail, is already "
                             "registered. Check that this is another person before creating them."),
    "organizer_not_found": N_("The organizer was not found."),
    # importing lists from spreadsheets: the file as a whole
    "import_empty": N_("The file is empty."),
    "import_too_large": N_("The file is too large (at most %(limit_mb)s MB)."),
    "import_old_excel": N_("This is an Excel 97-2003 workbook (.xls) or a password-protected one: save it as an Excel "
                           "Workbook (.xlsx) without a password, or as CSV UTF-8."),
    "import_not_spreadsheet": N_("This is not a spreadsheet bridgepoint can read: choose an Excel workbook (.xlsx) or "
                                 "a CSV file."),
    "import_zip_bomb": N_("The workbook unpacks into far more data than a list holds and was refused (a damaged or "
                          "malicious file)."),
    "import_formulas": N_("The sheet has formulas (the first in cell %(cell)s). Copy the cells and paste them as "
                          "values, then import the file again."),
    "import_too_many_rows": N_("The file has more than %(limit)s rows: split it into several files."),
    "import_too_many_columns": N_("The sheet uses more than %(limit)s columns."),
    "import_encoding": N_("The text of the file is not UTF-8: in Excel, save it as «CSV UTF-8» or «Unicode Text»."),
    "import_no_header": N_("No header row was found at the top of the first sheet. The list needs the columns "
                           "%(columns)s; download a template to see them."),
    "import_missing_columns": N_("Row %(row)s looks like the header but lacks the columns: %(columns)s."),
    "import_duplicate_column": N_("The column «%(column)s» appears twice in the header row."),
    "import_merged_header": N_("The header row %(row)s has merged cells (%(cells)s): give every column its own "
                               "header cell."),
    "import_unknown_kind": N_("Choose what the file holds: units, bridge points, delegates or invitations."),
    "import_unknown_format": N_("This format is not available."),
    "import_expired": N_("The checked file is no longer kept; choose it again."),
    "import_has_errors": N_("Nothing was imported: some rows have errors."),
    "import_conflict": N_("The registry changed while the file was being imported; nothing was imported. Check the "
                          "file again."),
    # importing lists: one cell or row
    "invalid_code": N_("Use letters, digits, dots, dashes and underscores only, without spaces."),
    "invalid_email": N_("This is not a valid e-mail address."),
    "invalid_phone": N_("Use digits, spaces and + ( ) . - only."),
    "invalid_number": N_("Enter a whole number."),
    "invalid_choice": N_("This is not one of the values allowed: %(choices)s."),
    "legacy_tcvn3": N_("This text was typed in the old TCVN3 (ABC) encoding; it reads «%(reading)s». Convert the file "
                       "to Unicode (for example with Unikey's converter) and import it again."),
    "legacy_vni": N_("This text was typed in the old VNI encoding; it reads «%(reading)s». Convert the file to "
                     "Unicode (for example with Unikey's converter) and import it again."),
    "ambiguous_unit": N_("Several units have this name (%(codes)s): give the unit's code."),
    "duplicate_in_file": N_("This repeats row %(first_row)s of the file."),
    "ambiguous_delegate": N_("Several registered delegates match (%(ids)s): give their e-mail address."),
    "import_possible_duplicate": N_("A delegate with this name in this unit is already registered with another "
                                    "e-mail: %(existing)s. If this is another person, tick «They are different "
                                    "people»."),
    "no_point_for_unit": N_("No bridge point of this conference serves the delegate's unit: give the point's code."),
    # conferences and their points
    "conference_not_found": N_("The conference was not found."),
    "conference_read_only": N_("The conference has ended or was cancelled and can no longer be changed."),
    "conference_not_scheduled": N_("The conference is not scheduled."),
    "conference_not_live": N_("The conference is not live."),
    "conference_not_ended": N_("The conference has not ended yet."),
    "illegal_transition": N_("The conference cannot go to that state from its current one."),
    "not_draft": N_("Only a draft can be changed this way."),
    "no_sites": N_("The conference has no bridge points yet."),
    "host_exists": N_("The conference already has a host hall."),
    "site_already_added": N_("This bridge point already takes part in the conference."),
    "site_busy": N_("The bridge point already takes part in the overlapping conference «%(conflicting_conference)s»."),
    "delegate_busy": N_("The delegate is already invited to the overlapping conference «%(conflicting_conference)s»."),
    "conference_site_not_found": N_("The bridge point does not take part in this conference."),
    "site_has_invitations": N_("Delegates are still invited at this bridge point."),
    "not_site_operator": N_("The user does not operate this bridge point."),
    "not_your_site": N_("This is not one of your bridge points."),
    "same_site": N_("The delegate is already at this bridge point."),
    "delegate_present": N_("The delegate is checked in; check them out before reporting them absent."),
    # invitations and passes
    "invitation_not_found": N_("The invitation was not found."),
    "already_invited": N_("The delegate is already invited."),
    "invitation_not_active": N_("The invitation is no longer active."),
    "invitation_inactive": N_("The invitation is no longer active."),
    "invitation_substituted": N_("The delegate was substituted."),
    "use_substitute": N_("Use substitution to replace a delegate."),
    "bulk_source": N_("Choose exactly one way to invite: delegates, a unit, or a point's roster."),
    "nothing_chosen": N_("No delegate was chosen."),
    "wrong_role": N_("This role does not allow it."),
    "invalid_link": N_("This personal link is not valid any more."),
    "invalid_feed": N_("This calendar address is not valid any more."),
    "nonce_reused": N_("This scan number was already used for another pass."),
    "nothing_to_record": N_("There is nothing to record."),
    "too_many_passes": N_("%(count)s passes are too many for one file (at most %(limit)s): choose one bridge point."),
    "no_active_passes": N_("There is no active pass to print here."),
    # agenda and speakers
    "agenda_item_not_found": N_("The agenda item was not found."),
    "incomplete_order": N_("The new order must list every item exactly once."),
    "stale_version": N_("Someone else changed this list in the meantime; reload and try again."),
    "speech_in_progress": N_("Someone is speaking; end that speech first."),
    "speaker_entry_not_found": N_("The speaker entry was not found."),
    "already_waiting": N_("The delegate is already waiting to speak."),
    "already_current": N_("This item is already the current one."),
    "already_finished": N_("This speech has already finished."),
    "already_paused": N_("The speech is already paused."),
    "already_closed": N_("The list of speakers is already closed."),
    "display_link_revoked": N_("This display link was revoked."),
    "display_link_not_found": N_("No such display link."),
    "cross_origin": N_("A page of another site may not open this live view."),
    "not_waiting": N_("The delegate is not waiting to speak."),
    "not_paused": N_("The speech is not paused."),
    "not_current_item": N_("This is not the current agenda item."),
    "no_waiting_speaker": N_("Nobody is waiting to speak."),
    "no_last_speaker": N_("There is no previous speaker."),
    "no_current_speaker": N_("Nobody is speaking."),
    "no_current_item": N_("No agenda item is current."),
    "list_closed": N_("The list of speakers is closed."),
    "floor_request_not_found": N_("The floor request was not found."),
    "request_pending": N_("A floor request for this delegate is already pending."),
    "not_pending": N_("The floor request is no longer pending."),
    # mail and notices
    "message_not_found": N_("The message was not found."),
    "message_not_failed": N_("Only a failed message can be sent again."),
    "notice_not_found": N_("The notice was not found."),
    "receipt_not_found": N_("The acknowledgement was not found."),
    "attachment_not_found": N_("The attachment was not found."),
    "attachment_size": N_("The attachment is too large."),
    "attachment_empty": N_("The attached file is empty."),
    # reports
    "report_not_found": N_("There is no such report."),
    "invalid_month": N_("Write the month as YYYY-MM, e.g. 2026-12."),
    "month_range": N_("Choose a first month before the last one, at most 36 months apart."),
}
