"""Every word the workspace's pages say, in English and Korean (one entry per key and language).

Reasons and concerns are not here: the core words them (``matcher.ranking.reasons``). A test checks that
both languages have the same keys and the same ``{placeholders}``, so a page never falls back to a key.
"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["en", "ko"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
#: Each language's name in itself, for the switch (a reader looks for their own language's name).
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "ko": "한국어"}

#: The placeholders that stand for text people or feeds wrote (a firm's name, a notice's title, a refused value, a
#: key's or partner's name, an address, a file's name): isolated from the sentence around them where a page shows
#: them (``api.web.i18n.Formatter.t``), so a right-to-left name or an override in one reorders nothing else.
PEOPLES_TEXT = frozenset({"email", "file", "firm", "name", "partner", "title", "value", "who"})

MESSAGES: dict[Language, dict[str, str]] = {
    "en": {
        "app_name": "Tender matcher",
        "skip_to_content": "Skip to content",
        "main_navigation": "Main",
        "nav_home": "Firms",
        "nav_api_docs": "API docs",
        "language": "Language",
        "signed_in_as": "Signed in as {name} ({role})",
        "role_officer": "support officer",
        "role_partner": "export partner",
        "role_firm": "firm",
        "sign_out": "Sign out",
        "sign_in_title": "Sign in",
        "sign_in_intro": (
            "Sign in with the API key you were given. It is sent once, with this form, and is never shown "
            "in a page or an address."
        ),
        "api_key": "API key",
        "sign_in_button": "Sign in",
        "sign_in_failed": "This key is unknown, revoked or mistyped.",
        "signed_out": "You are signed out.",
        "session_expired": "Your session has ended. Sign in again to return to the page you asked for.",
        "session_unsaved": (
            "Your session had ended, so what you last sent was not saved. Sign in again to return to the page you "
            "were on and send it again."),
        "form_expired": "This form has expired. Reload the page and try again.",
        "form_not_utf8": "The field {value} did not arrive as UTF-8 text, so nothing was saved: type it again.",
        "form_field_repeated": (
            "The form sent the field {value} more than once, so nothing was saved: send the form again from its "
            "page."),
        "home_title": "Your firms",
        "home_title_officer": "All firms",
        "home_intro": (
            "New matches are those with a possible fit or better (what a digest sends by default) stored since "
            "you last opened the firm's page."),
        "no_firms": "No firms are assigned to you yet.",
        "find_firm": "Find a firm by its name or id",
        "find_firm_button": "Find",
        "find_firm_none": "No firm's name or id holds every one of these words.",
        "find_firm_all": "Show every firm",
        "page_beyond": "There is no page {page} of this list: it ends at page {pages}.",
        "page_invalid": "The page number must be a whole number from 1 (sent: {value}).",
        "page_repeated": "The page number was sent {count} times ({value}): send it once.",
        "param_unknown": ("The address's {param}={value} is not a value this page takes: {param} takes {choices}, or "
                          "nothing for the page's default."),
        "param_repeated": "The address sent {param} {count} times ({param}={value}): send it once.",
        "firms_table": "Firms, their new matches, shortlists and nearest deadlines",
        "col_firm": "Firm",
        "col_new_matches": "New matches",
        "col_shortlist": "Shortlist",
        "col_deadlines": "Nearest deadlines",
        "status_proposed": "proposed",
        "status_approved": "approved",
        "status_rejected": "rejected",
        "status_count": "{count} {status}",
        "none": "none",
        "previous_page": "Previous",
        "next_page": "Next",
        "page_of": "Page {page} of {pages}",
        "pages": "Pages",
        "firm_intro": "Open tenders that fit this firm, best first.",
        "decline_advice_heading": "Codes your rejections say the firm does not do",
        "decline_advice_intro": (
            "These suggested codes brought notices you rejected, two or more each, and none you approved. Declining "
            "a code takes it and the codes under it out of the firm's ranking."
        ),
        "decline_advice_link": "Decline them on the profile page",
        "filters": "Filters",
        "filter_country": "Country",
        "any_country": "Any country",
        "filter_min_value": "Minimum value (EUR)",
        "filter_max_value": "Maximum value (EUR)",
        "filter_closing_within": "Closing within (days; 0 = today)",
        "filter_keyword": "Keyword",
        "apply_filters": "Apply",
        "clear_filters": "Clear filters",
        "invalid_number": "Enter a whole number or leave it empty.",
        "invalid_amount": "Enter an amount or leave it empty.",
        "filter_unknown_country": "No country has the code {value}: choose one from the list.",
        "filter_unknown_fit": "{value} is not one of the fit choices: choose one from the list.",
        "filter_keyword_too_long": "Type at most {limit} characters.",
        "filter_repeated": "This filter was sent more than once ({value}): choose one value.",
        "shortlist_unknown_status": "{value} is not a shortlist status: choose one from the list.",
        "recommendations": "Recommendations",
        "result_count": "{count} tenders",
        "result_count_one": "{count} tender",
        "no_results": "No open tender fits these filters.",
        "buyer": "Buyer",
        "country": "Country",
        "deadline": "Deadline",
        "value": "Value",
        "fit": "Fit",
        "reasons": "Why it fits",
        "concerns": "Concerns",
        "english_title": "English title",
        "categories": "Categories",
        "open_notice": "Open the notice",
        "open_notice_of": "Open the notice: {title}",
        "not_stated": "not stated",
        "about_eur": "about {amount}",
        "fit_strong": "strong fit",
        "fit_good": "good fit",
        "fit_possible": "possible fit",
        "fit_weak": "weak fit",
        "fit_unknown": "fit not calibrated",
        "filter_fit": "Fit",
        "fit_choice_possible": "possible fit or better",
        "fit_choice_good": "good fit or better",
        "fit_choice_strong": "strong fit only",
        "fit_choice_all": "every fit, weak ones too",
        "below_fit": "{count} of the first {first} are below the chosen fit and not shown.",
        "show_every_fit": "Show every fit",
        "days_left": "{days} days left",
        "closes_tomorrow": "closes tomorrow",
        "closes_today": "closes today",
        "closed": "closed",
        "no_deadline": "no deadline stated",
        "new_badge": "new",
        "decision": "Decision",
        "decided": "{status} by {who}, {when}",
        "proposed_by": "proposed by {who}, {when}",
        "not_on_shortlist": "not on the shortlist",
        "approved_by_partner": "Approved by your partner",
        "approve": "Approve",
        "reject": "Reject",
        "note": "Note",
        "add_note": "Save note",
        "announce_approved": "Approved: {title}",
        "announce_rejected": "Rejected: {title}",
        "announce_note": "Note saved: {title}",
        "draft_restored": (
            "Not saved yet: your session had ended. Your note is filled in again; check it and press a button to "
            "send it."),
        "draft_restored_form": (
            "Not saved yet: your session had ended. What you typed here is filled in again; check it and send the "
            "form again."),
        "invalid_title": "Cannot do this",
        "invalid_form": "The form was incomplete.",
        "note_too_long": "The note is {count} characters long; a note holds at most {limit}. Nothing was saved.",
        "note_nul": "The note holds a NUL character (U+0000), which no text may hold. Nothing was saved.",
        "note_bidi_control": (
            "The note holds a character that makes the text after it display in another order (a bidirectional "
            "embedding, override or isolate: U+202A-U+202E, U+2066-U+2069): type it again without it. Nothing was "
            "saved."),
        "forbidden_title": "Not allowed",
        "forbidden_text": "Your key may not see this page, or may not do this.",
        "not_found_title": "Not found",
        "not_found_text": "Nothing is stored under this address.",
        "method_not_allowed_text": "This address does not answer this kind of request.",
        "invalid_request_text": "This request could not be read.",
        "decision_gone": "This notice is no longer stored, so nothing was recorded. Reload the page for the "
                         "current recommendations.",
        "changed_title": "Changed meanwhile",
        "note_changed_meanwhile": ("This notice was noted or decided meanwhile, after this page was opened, so your "
                                   "note was not recorded. Its note and decision as stored now are shown; send your "
                                   "note again to record it over the stored one."),
        "decision_changed_meanwhile": ("This notice was decided meanwhile, after this page was opened, so your "
                                       "decision was not recorded. Its decision as stored now is shown; decide "
                                       "again to record yours over it."),
        "unavailable_title": "Not ready",
        "index_not_ready": "The search index is not built yet; recommendations appear once it is.",
        "stored_record_title": "Stored data needs repair",
        "stored_record_invalid": "A stored record this page reads breaks a rule, so the page cannot be shown: "
                                 "{value}. Whoever runs the store lists every such record with 'matcher store "
                                 "check' and repairs them.",
        "back_home": "Back to your firms",
        # ---- shortlist, tender and search pages (api.web.shortlist_pages, tender_pages, search_pages)
        "nav_search": "Search notices",
        "shortlist_link": "Shortlist",
        "shortlist_title": "Shortlist of {firm}",
        "shortlist_intro": "Tenders proposed for this firm, with the decisions taken on them.",
        "shortlist_intro_firm": "The tenders your partner approved for you.",
        "shortlist_back": "Back to the firm's recommendations.",
        "shortlist_status": "Status",
        "shortlist_all_statuses": "All statuses",
        "shortlist_export": "Download",
        "shortlist_export_csv": "Spreadsheet (CSV)",
        "shortlist_export_xlsx": "Excel workbook (.xlsx)",
        "shortlist_export_ics": "Deadlines for your calendar (.ics)",
        "shortlist_items": "Items",
        "shortlist_table": "Shortlist items with their buyer, country, deadline, status, decision and note",
        "shortlist_empty": "Nothing is on this shortlist yet.",
        "shortlist_none_with_status": "No item has this status.",
        "shortlist_col_tender": "Tender",
        "shortlist_col_status": "Status",
        "shortlist_col_decided": "Decided by",
        "shortlist_who_when": "{who}, {when}",
        "shortlist_tender_gone": "no longer stored",
        "shortlist_published_later": "published on {day}, after today: the firm and its partner do not see it yet",
        "tender_notice": "The notice",
        "tender_id_label": "Notice ID",
        "tender_type": "Notice type",
        "tender_type_open_call": "call for tenders",
        "tender_type_prior_information": "prior information notice",
        "tender_type_award": "award notice",
        "tender_type_other": "other notice",
        "tender_design_contest": "design contest: the buyer acquires a plan or design chosen by a jury",
        "tender_nature": "Contract nature",
        "tender_nature_supplies": "supplies",
        "tender_nature_services": "services",
        "tender_nature_works": "works",
        "tender_published": "Published",
        "tender_places": "Place of performance",
        "tender_source": "Source",
        "tender_other_titles": "Titles in other languages",
        "tender_description": "Description",
        "tender_no_description": "The notice has no description.",
        "tender_codes": "Classification",
        "tender_no_codes": "The notice has no classification codes.",
        "tender_code_unlabelled": "label not known",
        "tender_firms": "Firms this tender fits",
        "tender_firms_officer": "Among all firms, best first.",
        "tender_firms_partner": "Among the firms assigned to you, best first.",
        "tender_firms_firm": "How well it fits your firm.",
        "tender_firms_table": "Firms this tender fits, best first, with the fit, the reasons and the shortlist",
        "tender_no_firms": "No firm you may see is stored yet.",
        "tender_no_firms_at_fit": "This notice is not a possible fit or better for any firm you may see.",
        "tender_below_fit": "{count} firms for which it is only a weak fit (and not on their shortlist) are not shown.",
        "tender_add": "Add to the shortlist of {firm}",
        "tender_on_shortlist": "On the shortlist: {status}",
        "not_biddable_award": (
            "An award notice reports a result: there is nothing to bid on, so it cannot be added to a shortlist."),
        "not_biddable_closed": "This notice is closed to bids, so it cannot be added to a shortlist.",
        "not_biddable_unpublished": (
            "This notice is published after today: until its publication day no firm is ranked for it, and it "
            "cannot be added to a shortlist."),
        "not_biddable_cancelled": (
            "A later notice ended this procedure without an award, so it cannot be added to a shortlist."),
        "not_biddable_other": (
            "This notice is not a call for tenders (it may have been cancelled), so it cannot be added to a "
            "shortlist."),
        "search_title": "Search notices",
        "search_intro": (
            "Type words in any language. Notices are found by meaning, so Korean words also find notices "
            "written in English, French or German."
        ),
        "search_words": "Words",
        "search_include_closed": "Also closed notices and award notices",
        "search_button": "Search",
        "search_results": "Notices found",
        "search_none": "No notice was found for these words.",
        "search_by_id": "the notice with this id",
        "search_too_long": "Type at most {max} characters.",
        "search_not_utf8": "The words did not arrive as UTF-8 text: type them again.",
        "search_table": "Notices found, nearest in meaning first",
        # ---- profile, subscriptions and officer pages (api.web.profile_pages, subscription_pages, officer_pages)
        "nav_officer": "Feeds and partners",
        "firm_navigation": "Pages of {name}",
        "nav_recommendations": "Recommendations",
        "nav_shortlist": "Shortlist",
        "nav_profile": "Profile",
        "nav_subscriptions": "Digests",
        "form_has_errors": "Nothing was saved: correct the fields marked below.",
        "profile_changed_meanwhile": (
            "This profile was changed since you opened this page, so nothing was saved. The form below still holds "
            "what you typed; the lists beside it show the profile as stored now. Save again to store your form over "
            "that change, or discard your changes to start from it."
        ),
        "profile_heading": "Profile of {name}",
        "profile_intro": "What the ranking reads to find this firm's tenders. Changes apply to the next ranking.",
        "profile_saved": "The profile is saved.",
        "codes_added": "The codes are added to the profile.",
        "codes_declined": "The codes are declined: they are no longer suggested or ranked on for this firm.",
        "profile_description": "Description",
        "description_hint": "What the firm makes or does, in any language.",
        "profile_keywords": "Keywords",
        "keywords_hint": "One per line, or separated by commas.",
        "stored_bidi_keywords": (
            "These keywords were saved with invisible characters that keywords may no longer hold (characters that "
            "change the direction of the text after them, or control characters); they are shown without them, and "
            "saving the profile removes them:"),
        "stored_invisible_keywords": (
            "Keywords made only of invisible characters ({count}) are not shown, and saving the profile removes them."),
        "stored_bidi_description": (
            "The description was saved with invisible characters that change the direction of the text after them; "
            "it is shown without them, and saving the profile removes them."),
        "profile_codes": "Classification codes",
        "codes_hint": "CPV or UNSPSC codes with their scheme, such as CPV:38421100, one per line.",
        "current_code_labels": "What the current codes mean",
        "accepted_from_suggestions": (
            "accepted from the suggestions: the firm is still ranked on its keywords' other translations"
        ),
        "profile_declined_codes": "Declined codes",
        "declined_code_labels": "What the declined codes mean",
        "declined_codes_hint": (
            "Codes the firm does not do, one per line: neither they nor the codes under them are suggested or "
            "ranked on. Delete a line to use the code again."
        ),
        "profile_countries": "Target countries",
        "countries_hint": "None chosen means any country. Hold Ctrl (or ⌘) to choose several.",
        "profile_value_range": "Contract value",
        "value_range_hint": "The smallest and largest contract worth bidding for, and their currency.",
        "profile_min_value": "Minimum",
        "profile_max_value": "Maximum",
        "profile_currency": "Currency (ISO 4217)",
        "profile_languages": "Languages",
        "languages_hint": "Languages the firm can bid in, as ISO 639-1 codes: ko, en.",
        "save_profile": "Save the profile",
        "discard_changes": "Discard changes",
        "suggested_codes": "Suggested codes",
        "suggested_codes_intro": (
            "Codes inferred from the description and from similar stored notices, and translations of the firm's "
            "keywords (check those: on the judged profiles about two in three name the right product). Accept "
            "every right one: once the firm has a confirmed code, only its Korean keywords' translations are used "
            "to rank. "
            "The confidence is the measured chance that the code's class fits. Decline a code the firm does not "
            "do: it and the codes under it are then neither suggested nor used to rank. Where the partner rejected "
            "two or more shortlisted notices under a code and approved none, the page says so."
        ),
        "suggested_codes_table": (
            "Suggested codes with their meaning, confidence, evidence, the partner's decisions and use in ranking"),
        "no_suggestions": "No code to suggest beyond those in the profile.",
        "col_accept": "Choose",
        "col_code": "Code",
        "col_label": "Meaning",
        "col_confidence": "Confidence",
        "col_evidence": "Evidence",
        "col_ranked": "Used to rank",
        "ranked_on": "yes, now",
        "evidence_labels": "the code's name",
        "evidence_notices": "similar notices",
        "evidence_labels_notices": "the code's name and similar notices",
        "evidence_keyword": "the code's name translates the firm's keyword",
        "col_decisions": "Partner's decisions on its notices",
        "decisions_under_code": "{approved} approved, {rejected} rejected",
        "worth_declining": "The firm probably does not do this: decline it.",
        "accept_codes": "Add the ticked codes",
        "decline_codes": "Decline the ticked codes (the firm does not do them)",
        "choose_codes": "Tick at least one known code.",
        "suggested_keywords": "Suggested keywords",
        "suggested_keywords_intro": (
            "A Korean profile is found mostly through its keywords; these are phrases from your description. "
            "They are not used to rank until added: tick those that name what the firm sells."),
        "suggested_keywords_choose": "Phrases from the description",
        "accept_keywords": "Add the ticked keywords",
        "keywords_added": "The keywords are added to the profile: ranking reads them from now on.",
        "choose_keywords": "Tick at least one keyword.",
        "expect_listed_keyword": "Not a keyword: {value}. Tick only the keywords listed.",
        "keywords_limit": (
            "A profile holds at most 100 keywords: delete some of its keywords above before adding these."),
        "expect_description": "Describe the firm (at most 20,000 characters).",
        "expect_keywords": "At most 100 keywords.",
        "expect_keyword_shows": "Keyword {value} has no character that shows: delete it.",
        "expect_keyword_length": (
            "Keyword {value} is longer than 200 characters: write one product line or service per keyword, "
            "separated by commas or lines."),
        "expect_no_bidi_control": (
            "Holds {value}, a character that makes the text after it display in another order (it can make a word "
            "read as another): type it again without it."),
        "expect_no_control_character": (
            "Holds {value}, a control character that is not text (pasted from a terminal or another program): type it "
            "again without it."),
        "expect_codes": "Use scheme-prefixed codes such as CPV:38421100.",
        "expect_codes_apart": "A declined code may not be one of the firm's codes, nor a code above one: {value}.",
        "expect_listed_code": (
            "Not a classification code: {value}. Use a CPV or UNSPSC code with its scheme, such as CPV:38421100."),
        "expect_language_code": "Not an ISO 639-1 language code: {value}. Use two-letter codes such as ko or en.",
        "expect_range_currency": "An amount needs its currency: enter one such as EUR or KRW.",
        "expect_known_code": "Not a code of the CPV or UNSPSC lists: {value}. Tick only the codes listed.",
        "decline_own_code": (
            "{value} is one of the firm's codes, or a code above one: take it out of the profile's codes before "
            "declining it."),
        "expect_countries": "Choose countries from the list.",
        "expect_languages": "Use ISO 639-1 two-letter language codes such as ko or en.",
        "expect_amount": "Enter an amount of zero or more, or leave it empty.",
        "expect_amount_at_most": "Enter an amount of at most {value}, or leave it empty.",
        "expect_currency": "Use a three-letter currency code such as EUR or KRW.",
        "expect_value_range": "The minimum may not exceed the maximum, and an amount needs a currency.",
        "subscriptions_heading": "Email digests of {name}",
        "subscriptions_intro": (
            "Each address receives the firm's best new matches daily or weekly, the tenders its partner approved "
            "first. Every email has a link to stop it."
        ),
        "subscription_added": "The address is subscribed.",
        "subscription_ended": "The subscription is ended; no more digests go to that address.",
        "subscriptions_list": "Subscriptions",
        "no_subscriptions": "No address receives this firm's digest yet.",
        "preview_link": "Preview the next digests",
        "subscriptions_table": "Subscribed addresses with how often, what and in which language they receive",
        "col_email": "Email address",
        "col_frequency": "How often",
        "col_min_score": "Lowest fit sent",
        "col_max_items": "Tenders per email",
        "col_digest_language": "Language",
        "col_countries": "Countries",
        "col_value_range": "Contract value",
        "col_state": "State",
        "frequency_daily": "daily",
        "frequency_weekly": "weekly",
        "digest_language_en": "English",
        "digest_language_ko": "Korean",
        "any_value": "any value",
        "active_since": "active, by {who} on {when}",
        "ended_on": "ended on {when}",
        "end_subscription": "End",
        "add_subscription": "Subscribe an address",
        "min_score_hint": (
            "Between 0 and 1: the share of such matches people judged relevant. Leave it empty for the default, "
            "{default}."
        ),
        "subscription_countries_hint": "Only tenders of these countries. None chosen means any country.",
        "subscribe_button": "Subscribe",
        "expect_email": "Enter an email address such as name@example.org.",
        "expect_frequency": "Choose daily or weekly.",
        "expect_min_score": "Enter a number between 0 and 1, or leave it empty.",
        "expect_max_items": "Enter a whole number from 1 to 100.",
        "expect_digest_language": "Choose English or Korean.",
        "expect_listed_country": "Not a country of the list: {value}. Choose countries from the list.",
        "expect_rated_currency": (
            "No exchange rate for the currency {value}. Use a three-letter code such as EUR, USD or KRW."),
        "expect_min_below_max": "The minimum may not be greater than the maximum.",
        "email_subscribed": (
            "This address already receives this firm's digest. End that subscription first to change it."),
        "preview_heading": "Next digests of {name}",
        "preview_intro": (
            "What each active subscription would receive if its digest went out now. Nothing is sent or recorded, "
            "and the unsubscribe link shown is not a working one."
        ),
        "back_to_subscriptions": "Back to the subscriptions",
        "no_active_subscriptions": "No subscription is active.",
        "preview_for": "Digest for {email}",
        "preview_subject": "Subject",
        "preview_count": "Tenders",
        "preview_empty": "Nothing new fits: no email would be sent.",
        "preview_text": "The email as text",
        "officer_title": "Feeds, firms and partners",
        "assignment_assigned": "The firm is assigned to the partner.",
        "assignment_withdrawn": "The firm is withdrawn from the partner.",
        "upload_heading": "Import a feed file",
        "upload_intro": (
            "New and changed notices are stored at once; the search index is then updated in the background, "
            "and recommendations use the new notices when it is done."
        ),
        "upload_file": "Feed file",
        "upload_hint": (
            "TED XML or eForms, OCDS JSON, CSV or JSON tables, or a .tar.gz or .zip of them; at most {size} MB."
        ),
        "upload_button": "Import",
        "upload_too_large": "The file is larger than the limit; nothing was stored.",
        "upload_refused": "The file {value} could not be imported; nothing was stored.",
        "upload_unreadable": (
            "The file {value} could not be read: it is damaged, or not in the format its name says. Nothing was "
            "stored."),
        "upload_unknown_type": (
            "The import does not read files like {value}: use .xml, .json, .jsonl or .csv (or a .gz of one), or a "
            ".tar.gz or .zip archive. Nothing was stored."),
        "choose_file": "Choose a file to import.",
        "officer_firms": "Firms",
        "firm_count": "{count} firms",
        "no_firms_stored": "No firm is stored yet.",
        "assignable_cut": (
            "The list offers the first {shown} of {total} firms by id: find a firm above to offer the one you need."),
        "officer_firms_table": "Every firm, its partners and its pages",
        "col_firm_id": "ID",
        "col_partners": "Partners",
        "col_pages": "Pages",
        "partners_heading": "Partners and their firms",
        "partners_intro": "A partner sees and decides for the firms assigned to them, and manages their digests.",
        "assignment_refused": "This assignment could not be changed.",
        "assignment_unknown_partner": "No partner is named {value}: choose one from the list.",
        "assignment_unknown_firm": "No firm has the ID {value}: choose one from the list.",
        "assignment_not_assigned": "The firm {value} is not assigned to this partner, so there is nothing to withdraw.",
        "no_partners": "No partner key exists yet (matcher keys create --role partner).",
        "partners_table": "Each partner and the firms assigned to them",
        "col_partner": "Partner",
        "col_assigned_firms": "Assigned firms",
        "withdraw": "Withdraw",
        "withdraw_from": "{firm} from {partner}",
        "assign": "Assign",
        "import_title": "Import of {file}",
        "import_by": "Uploaded by {who}, {when}.",
        "import_report": "What was stored",
        "report_new": "New notices",
        "report_updated": "Updated notices",
        "report_unchanged": "Unchanged notices",
        "report_rejected": "Rejected records",
        "rejected_table": "Rejected records and why ({shown} of {total})",
        "col_record": "Record",
        "col_reason": "Reason",
        "index_update": "Search index",
        "index_not_needed": "Nothing changed, so the search index needs no update.",
        "index_job_forgotten": "This server no longer remembers the index update; check the service's readiness.",
        "index_job_queued": "The index update is waiting to start…",
        "index_job_running": "The index is being updated…",
        "index_job_done": "Done: the index is up to date and recommendations use the new notices.",
        "index_job_failed": "The index update failed; recommendations keep using the previous index.",
        "check_again": "Check again",
        "back_to_officer": "Back to feeds, firms and partners",
        "import_not_known": (
            "No import is known under this address (imports are kept for a while by the server that ran them)."
        ),
        # ---- live feeds on the officer page (api.web.feed_pages)
        "feeds_heading": "Live feeds",
        "feeds_intro": (
            "Sources fetched page by page: each page's notices are stored together with where the feed got to, "
            "so a run that stops resumes after the last stored page. A feed that fails does not stop the others."
        ),
        "no_feeds": "No feed is configured yet.",
        "feeds_table": "Each feed, what it fetches and how its latest run went",
        "col_feed": "Feed",
        "col_feed_kind": "Source",
        "col_feed_url": "Address",
        "col_feed_query": "Query",
        "col_last_run": "Latest run",
        "col_last_error": "Last error",
        "col_cursor_at": "Moved on",
        "col_feed_actions": "Actions",
        "feed_kind_ted": "TED",
        "feed_kind_worldbank": "World Bank",
        "feed_kind_ocds": "OCDS publisher",
        "public_default": "public default",
        "feed_never_run": "not run yet",
        "feed_status_running": "running",
        "feed_status_ok": "ok",
        "feed_status_failed": "failed",
        "feed_status_busy": "skipped: another process is running it",
        "feed_counts": "{pages} pages: {new} new, {updated} updated, {unchanged} unchanged, {rejected} rejected",
        "cursor_never_moved": "not yet",
        "run_now": "Run now",
        "reset_cursor": "Reset",
        "remove_feed": "Remove",
        "run_all_feeds": "Run all feeds now",
        "add_feed": "Add a feed",
        "feed_name": "Name",
        "feed_name_hint": "Lower-case letters, digits, - and _, at most 60.",
        "feed_page_size": "Page size",
        "feed_page_size_hint": "Notices per page, 1 to 1,000; empty for the source's default.",
        "feed_url_hint": (
            "Empty for TED's or the World Bank's public address; an OCDS publisher needs its release or record "
            "package address."
        ),
        "feed_query_hint": "A filter in the source's own terms (for TED an expert search query); may be empty.",
        "add_feed_button": "Add feed",
        "expect_feed_name": "Use 1 to 60 lower-case letters, digits, - or _, starting with a letter or digit.",
        "expect_feed_kind": "Choose TED, World Bank or an OCDS publisher.",
        "expect_feed_url": "Give an http:// or https:// address, or leave it empty (not for an OCDS publisher).",
        "expect_feed_query": "Use at most 2,000 characters, without tabs or line breaks.",
        "expect_feed_page_size": "Give a whole number from 1 to 1,000, or leave it empty.",
        "feed_refused": "This feed could not be added.",
        "feed_exists": "A feed named {value} exists already.",
        "feed_url_not_public": (
            "{value} is not a public internet address: a feed fetches from the internet, never from the server's "
            "own network."),
        "feed_added": "The feed is added. Run it now, or let the schedule run it.",
        "feed_reset": "The feed's cursor is reset: its next run starts afresh.",
        "feed_removed": "The feed is removed; the notices it brought stay.",
        "confirm_remove_title": "Remove the feed {name}?",
        "confirm_remove_text": "Its settings, cursor and run history are deleted. The notices it brought stay stored.",
        "confirm_remove": "Remove the feed",
        "confirm_reset_title": "Reset the feed {name}?",
        "confirm_reset_text": "Its cursor is cleared: the next run starts again from the source's default starting "
                              "point. Stored notices stay; ones fetched again are recognised as unchanged.",
        "confirm_reset": "Reset the feed",
        "cancel": "Cancel",
        "feed_not_known": "No feed is configured under this name.",
        "feed_run_queued": "The run is waiting to start…",
        "feed_run_running": "The feeds are being fetched…",
        "feed_run_done": "The run has ended:",
        "feed_run_failed": "The run failed.",
        "feed_run_unknown": "This server no longer remembers that run; the table shows each feed's latest run.",
    },
    "ko": {
        "app_name": "입찰 매칭",
        "skip_to_content": "본문으로 건너뛰기",
        "main_navigation": "주 메뉴",
        "nav_home": "회사",
        "nav_api_docs": "API 문서",
        "language": "언어",
        "signed_in_as": "{name} ({role}) 로그인 중",
        "role_officer": "지원 담당관",
        "role_partner": "수출 파트너",
        "role_firm": "회사",
        "sign_out": "로그아웃",
        "sign_in_title": "로그인",
        "sign_in_intro": (
            "발급받은 API 키로 로그인하세요. 키는 이 양식으로 한 번만 전송되며 페이지나 주소에 표시되지 않습니다."
        ),
        "api_key": "API 키",
        "sign_in_button": "로그인",
        "sign_in_failed": "알 수 없거나 폐기되었거나 잘못 입력된 키입니다.",
        "signed_out": "로그아웃되었습니다.",
        "session_expired": "세션이 끝났습니다. 다시 로그인하면 요청한 페이지로 돌아갑니다.",
        "session_unsaved": (
            "세션이 끝나 마지막으로 보낸 내용은 저장되지 않았습니다. 다시 로그인하면 보던 페이지로 돌아가니 "
            "다시 보내 주세요."),
        "form_expired": "양식이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
        "form_not_utf8": (
            "{value} 칸의 내용이 UTF-8 텍스트로 전달되지 않아 아무것도 저장하지 않았습니다. 다시 입력하세요."),
        "form_field_repeated": (
            "양식의 {value} 칸이 여러 번 보내져 아무것도 저장하지 않았습니다. 페이지에서 양식을 다시 보내세요."),
        "home_title": "담당 회사",
        "home_title_officer": "전체 회사",
        "home_intro": (
            "새 추천은 회사 페이지를 마지막으로 연 이후 저장된 입찰 중 적합도가 '검토 가능' 이상인 것"
            "(이메일 요약이 기본으로 보내는 것)입니다."),
        "no_firms": "아직 배정된 회사가 없습니다.",
        "find_firm": "이름이나 ID로 회사 찾기",
        "find_firm_button": "찾기",
        "find_firm_none": "이 단어를 모두 이름이나 ID에 담은 회사가 없습니다.",
        "find_firm_all": "모든 회사 보기",
        "page_beyond": "이 목록에는 {page}쪽이 없습니다. 목록은 {pages}쪽에서 끝납니다.",
        "page_invalid": "쪽 번호는 1 이상의 정수여야 합니다 (보낸 값: {value}).",
        "page_repeated": "쪽 번호가 {count}번 보내졌습니다 ({value}). 한 번만 보내세요.",
        "param_unknown": ("주소의 {param}={value} 값은 이 페이지가 받는 값이 아닙니다. {param} 값은 {choices} 중 "
                          "하나이거나, 비워 두면 기본값입니다."),
        "param_repeated": "주소에 {param} 값이 {count}번 보내졌습니다 ({param}={value}). 한 번만 보내세요.",
        "firms_table": "회사별 새 추천, 관심 목록, 가까운 마감",
        "col_firm": "회사",
        "col_new_matches": "새 추천",
        "col_shortlist": "관심 목록",
        "col_deadlines": "가까운 마감",
        "status_proposed": "검토 중",
        "status_approved": "승인",
        "status_rejected": "거절",
        "status_count": "{status} {count}건",
        "none": "없음",
        "previous_page": "이전",
        "next_page": "다음",
        "page_of": "{pages}쪽 중 {page}쪽",
        "pages": "쪽",
        "firm_intro": "이 회사에 맞는 진행 중인 입찰을 적합도 순으로 보여 줍니다.",
        "decline_advice_heading": "거절한 공고로 보아 회사가 하지 않는 일의 코드",
        "decline_advice_intro": (
            "아래 추천 코드의 공고를 코드마다 두 건 이상 거절했고 승인한 공고는 없습니다. "
            "코드를 제외하면 그 코드와 아래 코드가 이 회사의 순위에서 빠집니다."
        ),
        "decline_advice_link": "프로필 페이지에서 제외하기",
        "filters": "필터",
        "filter_country": "국가",
        "any_country": "모든 국가",
        "filter_min_value": "최소 금액 (EUR)",
        "filter_max_value": "최대 금액 (EUR)",
        "filter_closing_within": "마감까지 남은 기간 (일, 0 = 오늘)",
        "filter_keyword": "키워드",
        "apply_filters": "적용",
        "clear_filters": "필터 지우기",
        "invalid_number": "정수를 입력하거나 비워 두세요.",
        "invalid_amount": "금액을 입력하거나 비워 두세요.",
        "filter_unknown_country": "국가 코드 {value}에 해당하는 국가가 없습니다. 목록에서 고르세요.",
        "filter_unknown_fit": "{value} 값은 적합도 선택지가 아닙니다. 목록에서 고르세요.",
        "filter_keyword_too_long": "{limit}자까지 입력하세요.",
        "filter_repeated": "이 필터가 여러 번 보내졌습니다 ({value}). 값을 하나만 고르세요.",
        "shortlist_unknown_status": "{value} 값은 관심 목록 상태가 아닙니다. 목록에서 고르세요.",
        "recommendations": "추천 입찰",
        "result_count": "입찰 {count}건",
        "result_count_one": "입찰 {count}건",
        "no_results": "이 조건에 맞는 진행 중인 입찰이 없습니다.",
        "buyer": "발주기관",
        "country": "국가",
        "deadline": "마감",
        "value": "추정 금액",
        "fit": "적합도",
        "reasons": "추천 이유",
        "concerns": "확인할 점",
        "english_title": "영문 제목",
        "categories": "분류",
        "open_notice": "공고 보기",
        "open_notice_of": "공고 보기: {title}",
        "not_stated": "미기재",
        "about_eur": "약 {amount}",
        "fit_strong": "매우 적합",
        "fit_good": "적합",
        "fit_possible": "검토 가능",
        "fit_weak": "낮음",
        "fit_unknown": "적합도 미보정",
        "filter_fit": "적합도",
        "fit_choice_possible": "검토 가능 이상",
        "fit_choice_good": "적합 이상",
        "fit_choice_strong": "매우 적합만",
        "fit_choice_all": "모든 적합도 (낮음 포함)",
        "below_fit": "처음 {first}건 중 {count}건은 선택한 적합도보다 낮아 표시하지 않았습니다.",
        "show_every_fit": "모든 적합도 보기",
        "days_left": "{days}일 남음",
        "closes_tomorrow": "내일 마감",
        "closes_today": "오늘 마감",
        "closed": "마감됨",
        "no_deadline": "마감일 미기재",
        "new_badge": "새 입찰",
        "decision": "결정",
        "decided": "{who}, {when}: {status}",
        "proposed_by": "{who}, {when}: 제안",
        "not_on_shortlist": "관심 목록에 없음",
        "approved_by_partner": "파트너 승인",
        "approve": "승인",
        "reject": "거절",
        "note": "메모",
        "add_note": "메모 저장",
        "announce_approved": "승인했습니다: {title}",
        "announce_rejected": "거절했습니다: {title}",
        "announce_note": "메모를 저장했습니다: {title}",
        "draft_restored": (
            "세션이 끝나 아직 저장되지 않았습니다. 메모를 다시 채워 두었으니 확인한 뒤 버튼을 눌러 보내세요."),
        "draft_restored_form": (
            "세션이 끝나 아직 저장되지 않았습니다. 입력한 내용을 다시 채워 두었으니 확인한 뒤 양식을 다시 보내세요."),
        "invalid_title": "처리할 수 없음",
        "invalid_form": "양식이 완전하지 않습니다.",
        "note_too_long": "메모가 {count}자입니다. 메모는 {limit}자까지 쓸 수 있습니다. 저장되지 않았습니다.",
        "note_nul": "메모에 어떤 텍스트에도 쓸 수 없는 NUL 문자(U+0000)가 들어 있습니다. 저장되지 않았습니다.",
        "note_bidi_control": (
            "메모에 뒤에 오는 글자의 표시 순서를 바꾸는 문자(양방향 서식 문자 U+202A-U+202E, U+2066-U+2069)가 "
            "들어 있습니다: 이 문자 없이 다시 입력하세요. 저장되지 않았습니다."),
        "forbidden_title": "권한 없음",
        "forbidden_text": "이 키로는 이 페이지를 보거나 이 작업을 할 수 없습니다.",
        "not_found_title": "찾을 수 없음",
        "not_found_text": "이 주소에 저장된 내용이 없습니다.",
        "method_not_allowed_text": "이 주소는 이런 요청을 받지 않습니다.",
        "invalid_request_text": "이 요청을 읽을 수 없습니다.",
        "decision_gone": "이 공고는 더 이상 저장되어 있지 않아 아무것도 기록되지 않았습니다. 페이지를 새로 고쳐 현재 "
                         "추천을 확인하세요.",
        "changed_title": "그사이 변경됨",
        "note_changed_meanwhile": ("이 페이지를 연 뒤 다른 사람이 이 공고에 메모를 남기거나 결정하여 회원님의 메모는 "
                                   "기록되지 않았습니다. 현재 저장된 메모와 결정이 표시됩니다. 그 위에 기록하려면 "
                                   "메모를 다시 보내세요."),
        "decision_changed_meanwhile": ("이 페이지를 연 뒤 다른 사람이 이 공고를 결정하여 회원님의 결정은 기록되지 "
                                       "않았습니다. 현재 저장된 결정이 표시됩니다. 그 결정 위에 기록하려면 다시 "
                                       "결정하세요."),
        "unavailable_title": "준비 중",
        "index_not_ready": "검색 색인이 아직 만들어지지 않았습니다. 색인이 준비되면 추천 입찰이 표시됩니다.",
        "stored_record_title": "저장된 데이터를 고쳐야 합니다",
        "stored_record_invalid": "이 페이지가 읽는 저장된 기록이 규칙을 어겨 페이지를 표시할 수 없습니다: {value}. "
                                 "저장소 운영자가 'matcher store check'로 이런 기록을 모두 찾아 고칠 수 있습니다.",
        "back_home": "담당 회사로 돌아가기",
        # ---- shortlist, tender and search pages (api.web.shortlist_pages, tender_pages, search_pages)
        "nav_search": "공고 검색",
        "shortlist_link": "관심 목록",
        "shortlist_title": "{firm} 관심 목록",
        "shortlist_intro": "이 회사에 제안된 입찰과 그 결정입니다.",
        "shortlist_intro_firm": "파트너가 승인한 입찰입니다.",
        "shortlist_back": "회사 추천 입찰로 돌아가기",
        "shortlist_status": "상태",
        "shortlist_all_statuses": "모든 상태",
        "shortlist_export": "내려받기",
        "shortlist_export_csv": "스프레드시트 (CSV)",
        "shortlist_export_xlsx": "엑셀 통합 문서 (.xlsx)",
        "shortlist_export_ics": "달력에 넣을 마감일 (.ics)",
        "shortlist_items": "항목",
        "shortlist_table": "관심 목록 항목: 발주기관, 국가, 마감, 상태, 결정, 메모",
        "shortlist_empty": "관심 목록에 아직 항목이 없습니다.",
        "shortlist_none_with_status": "이 상태의 항목이 없습니다.",
        "shortlist_col_tender": "입찰 공고",
        "shortlist_col_status": "상태",
        "shortlist_col_decided": "결정",
        "shortlist_who_when": "{who} ({when})",
        "shortlist_tender_gone": "더 이상 저장되어 있지 않음",
        "shortlist_published_later": "{day} 게시 예정 (오늘 이후): 회사와 파트너에게는 아직 보이지 않음",
        "tender_notice": "공고 내용",
        "tender_id_label": "공고 번호",
        "tender_type": "공고 유형",
        "tender_type_open_call": "입찰 공고",
        "tender_type_prior_information": "사전 정보 공고",
        "tender_type_award": "낙찰 공고",
        "tender_type_other": "기타 공고",
        "tender_design_contest": "설계 공모: 심사위원단이 고른 설계안을 구매함",
        "tender_nature": "계약 성격",
        "tender_nature_supplies": "물품",
        "tender_nature_services": "용역",
        "tender_nature_works": "공사",
        "tender_published": "게시일",
        "tender_places": "수행 장소",
        "tender_source": "출처",
        "tender_other_titles": "다른 언어 제목",
        "tender_description": "설명",
        "tender_no_description": "공고에 설명이 없습니다.",
        "tender_codes": "분류",
        "tender_no_codes": "공고에 분류 코드가 없습니다.",
        "tender_code_unlabelled": "이름 미상",
        "tender_firms": "이 입찰에 맞는 회사",
        "tender_firms_officer": "전체 회사 중 적합도 순입니다.",
        "tender_firms_partner": "담당 회사 중 적합도 순입니다.",
        "tender_firms_firm": "귀사와의 적합도입니다.",
        "tender_firms_table": "이 입찰에 맞는 회사 (적합도 순): 적합도, 추천 이유, 관심 목록",
        "tender_no_firms": "볼 수 있는 회사가 아직 없습니다.",
        "tender_no_firms_at_fit": "이 입찰이 '검토 가능' 이상으로 맞는 회사가 없습니다.",
        "tender_below_fit": "적합도가 '낮음'이고 관심 목록에 없는 회사 {count}곳은 표시하지 않았습니다.",
        "tender_add": "{firm} 관심 목록에 추가",
        "tender_on_shortlist": "관심 목록: {status}",
        "not_biddable_award": "낙찰 공고는 결과를 알리는 공고로 입찰할 수 없으므로 관심 목록에 추가할 수 없습니다.",
        "not_biddable_closed": "입찰이 마감된 공고이므로 관심 목록에 추가할 수 없습니다.",
        "not_biddable_unpublished": (
            "오늘 이후에 게시되는 공고입니다. 게시일 전까지는 맞는 회사 순위가 없고 관심 목록에 추가할 수 없습니다."),
        "not_biddable_cancelled": "이후 공고로 낙찰 없이 절차가 종료되었으므로 관심 목록에 추가할 수 없습니다.",
        "not_biddable_other": "입찰 공고가 아니므로 (취소되었을 수 있음) 관심 목록에 추가할 수 없습니다.",
        "search_title": "공고 검색",
        "search_intro": (
            "어떤 언어로든 입력하세요. 공고를 의미로 찾으므로 한국어 검색어로도 영어, 프랑스어, 독일어 공고를 찾습니다."
        ),
        "search_words": "검색어",
        "search_include_closed": "마감된 공고와 낙찰 공고도 포함",
        "search_button": "검색",
        "search_results": "찾은 공고",
        "search_none": "이 검색어로 찾은 공고가 없습니다.",
        "search_by_id": "공고 번호가 일치하는 공고",
        "search_too_long": "{max}자 이내로 입력하세요.",
        "search_not_utf8": "검색어가 UTF-8 텍스트로 전달되지 않았습니다. 다시 입력하세요.",
        "search_table": "찾은 공고 (의미가 가까운 순)",
        # ---- profile, subscriptions and officer pages (api.web.profile_pages, subscription_pages, officer_pages)
        "nav_officer": "공고 자료와 파트너",
        "firm_navigation": "{name} 페이지",
        "nav_recommendations": "추천 입찰",
        "nav_shortlist": "관심 목록",
        "nav_profile": "프로필",
        "nav_subscriptions": "이메일 요약",
        "form_has_errors": "저장되지 않았습니다. 아래 표시된 항목을 고쳐 주세요.",
        "profile_changed_meanwhile": (
            "이 페이지를 연 뒤 프로필이 변경되어 아무것도 저장되지 않았습니다. 아래 양식에는 입력하신 내용이 그대로 "
            "있으며, 옆의 목록은 현재 저장된 프로필입니다. 다시 저장하면 입력하신 내용으로 그 변경을 덮어쓰고, "
            "변경 취소를 누르면 저장된 프로필에서 다시 시작합니다."
        ),
        "profile_heading": "{name} 프로필",
        "profile_intro": "이 회사에 맞는 입찰을 찾을 때 사용하는 정보입니다. 변경 내용은 다음 추천부터 반영됩니다.",
        "profile_saved": "프로필을 저장했습니다.",
        "codes_added": "코드를 프로필에 추가했습니다.",
        "codes_declined": "코드를 제외했습니다. 이 회사에는 더 이상 추천하지 않고 순위에도 쓰지 않습니다.",
        "profile_description": "회사 소개",
        "description_hint": "회사가 만들거나 하는 일을 어떤 언어로든 적어 주세요.",
        "profile_keywords": "키워드",
        "keywords_hint": "한 줄에 하나씩 또는 쉼표로 구분해 입력하세요.",
        "stored_bidi_keywords": (
            "다음 키워드에는 이제 키워드에 쓸 수 없는 보이지 않는 문자"
            "(뒤에 오는 글자의 방향을 바꾸는 문자나 제어 문자)가 저장되어 있습니다. "
            "이 문자를 뺀 모습으로 보여 주며, 프로필을 저장하면 이 문자가 삭제됩니다:"),
        "stored_invisible_keywords": (
            "보이지 않는 문자로만 된 키워드({count}개)는 표시하지 않으며, 프로필을 저장하면 삭제됩니다."),
        "stored_bidi_description": (
            "회사 소개에 뒤에 오는 글자의 방향을 바꾸는 보이지 않는 문자가 저장되어 있습니다. "
            "이 문자를 뺀 모습으로 보여 주며, 프로필을 저장하면 이 문자가 삭제됩니다."),
        "profile_codes": "분류 코드",
        "codes_hint": "CPV:38421100처럼 체계를 앞에 붙인 CPV 또는 UNSPSC 코드를 한 줄에 하나씩 입력하세요.",
        "current_code_labels": "현재 코드의 의미",
        "accepted_from_suggestions": "추천 코드에서 수락함: 키워드의 다른 번역도 계속 순위에 씁니다",
        "profile_declined_codes": "제외한 코드",
        "declined_code_labels": "제외한 코드의 의미",
        "declined_codes_hint": (
            "회사가 하지 않는 일의 코드를 한 줄에 하나씩 입력합니다. 이 코드와 그 아래 코드는 추천하지 않고 "
            "순위에도 쓰지 않습니다. 줄을 지우면 다시 씁니다."
        ),
        "profile_countries": "목표 국가",
        "countries_hint": "선택하지 않으면 모든 국가입니다. 여러 개를 고르려면 Ctrl(또는 ⌘)을 누른 채 선택하세요.",
        "profile_value_range": "계약 금액",
        "value_range_hint": "입찰할 만한 가장 작은 계약과 가장 큰 계약의 금액, 그리고 통화입니다.",
        "profile_min_value": "최소",
        "profile_max_value": "최대",
        "profile_currency": "통화 (ISO 4217)",
        "profile_languages": "언어",
        "languages_hint": "입찰할 수 있는 언어를 ISO 639-1 코드로 입력하세요: ko, en.",
        "save_profile": "프로필 저장",
        "discard_changes": "변경 취소",
        "suggested_codes": "추천 코드",
        "suggested_codes_intro": (
            "회사 소개와 비슷한 저장 공고에서 추론한 코드와 키워드를 번역한 코드입니다 "
            "(평가 프로필에서 번역의 3분의 2 정도가 맞는 품목이었으니 확인하세요). 맞는 번역은 모두 "
            "수락하세요. 확정 코드가 생기면 순위에는 한국어 키워드의 번역만 씁니다. "
            "신뢰도는 코드의 분류가 맞을 것으로 측정된 확률입니다. 회사가 하지 않는 일의 코드는 제외하세요. "
            "제외한 코드와 그 아래 코드는 더 이상 추천하지 않고 순위에도 쓰지 않습니다. "
            "파트너가 어떤 코드의 공고를 두 건 이상 거절하고 하나도 승인하지 않았으면 그 사실을 알려 드립니다."
        ),
        "suggested_codes_table": "추천 코드와 의미, 신뢰도, 근거, 파트너 결정, 순위 사용 여부",
        "no_suggestions": "프로필에 있는 코드 외에 추천할 코드가 없습니다.",
        "col_accept": "선택",
        "col_code": "코드",
        "col_label": "의미",
        "col_confidence": "신뢰도",
        "col_evidence": "근거",
        "col_ranked": "순위에 사용",
        "ranked_on": "지금 사용 중",
        "evidence_labels": "코드 이름",
        "evidence_notices": "비슷한 공고",
        "evidence_labels_notices": "코드 이름과 비슷한 공고",
        "evidence_keyword": "회사 키워드의 번역",
        "col_decisions": "이 코드 공고에 대한 파트너 결정",
        "decisions_under_code": "승인 {approved}건, 거절 {rejected}건",
        "worth_declining": "회사가 하지 않는 일로 보입니다. 제외하세요.",
        "accept_codes": "선택한 코드 추가",
        "decline_codes": "선택한 코드 제외 (회사가 하지 않는 일)",
        "choose_codes": "알려진 코드를 하나 이상 선택하세요.",
        "suggested_keywords": "추천 키워드",
        "suggested_keywords_intro": (
            "한국어 프로필은 주로 키워드로 찾습니다. 아래는 회사 소개에 나온 표현입니다. 추가하기 전에는 순위에 "
            "쓰지 않으니, 회사가 파는 제품을 가리키는 표현을 선택하세요."),
        "suggested_keywords_choose": "회사 소개에 나온 표현",
        "accept_keywords": "선택한 키워드 추가",
        "keywords_added": "키워드를 프로필에 추가했습니다. 이제부터 순위에 씁니다.",
        "choose_keywords": "키워드를 하나 이상 선택하세요.",
        "expect_listed_keyword": "키워드가 아닙니다: {value}. 목록의 키워드만 선택하세요.",
        "keywords_limit": "프로필의 키워드는 최대 100개입니다. 이 키워드를 추가하려면 위의 키워드에서 일부를 지우세요.",
        "expect_description": "회사 소개를 입력하세요 (최대 20,000자).",
        "expect_keywords": "키워드는 최대 100개입니다.",
        "expect_keyword_shows": "{value}번째 키워드에는 보이는 글자가 없습니다. 지우세요.",
        "expect_keyword_length": (
            "{value}번째 키워드가 200자를 넘습니다. 키워드 하나에 제품군이나 서비스 하나를 쓰고, "
            "쉼표나 줄로 나누세요."),
        "expect_no_bidi_control": (
            "{value} 문자가 들어 있습니다. 뒤에 오는 글자의 표시 순서를 바꿔 다른 말처럼 보이게 하는 문자입니다: "
            "이 문자 없이 다시 입력하세요."),
        "expect_no_control_character": (
            "{value} 문자가 들어 있습니다. 글자가 아닌 제어 문자입니다(터미널이나 다른 프로그램에서 붙여 넣은 경우): "
            "이 문자 없이 다시 입력하세요."),
        "expect_codes": "CPV:38421100처럼 체계를 앞에 붙인 코드를 사용하세요.",
        "expect_codes_apart": "제외한 코드는 회사의 코드이거나 그 상위 코드일 수 없습니다: {value}.",
        "expect_listed_code": (
            "분류 코드가 아닙니다: {value}. CPV:38421100처럼 체계를 앞에 붙인 CPV 또는 UNSPSC 코드를 사용하세요."),
        "expect_language_code": "ISO 639-1 언어 코드가 아닙니다: {value}. ko, en처럼 두 글자 코드를 사용하세요.",
        "expect_range_currency": "금액에는 통화가 필요합니다. EUR, KRW 같은 통화를 입력하세요.",
        "expect_known_code": "CPV 또는 UNSPSC 목록에 없는 코드입니다: {value}. 목록의 코드만 선택하세요.",
        "decline_own_code": (
            "코드 {value}: 회사의 코드이거나 그 상위 코드입니다. 제외하려면 먼저 프로필의 코드에서 빼세요."),
        "expect_countries": "목록에서 국가를 선택하세요.",
        "expect_languages": "ko, en처럼 ISO 639-1 두 글자 언어 코드를 사용하세요.",
        "expect_amount": "0 이상의 금액을 입력하거나 비워 두세요.",
        "expect_amount_at_most": "{value} 이하의 금액을 입력하거나 비워 두세요.",
        "expect_currency": "EUR, KRW처럼 세 글자 통화 코드를 사용하세요.",
        "expect_value_range": "최소 금액은 최대 금액보다 클 수 없고, 금액에는 통화가 필요합니다.",
        "subscriptions_heading": "{name} 이메일 요약",
        "subscriptions_intro": (
            "각 주소로 회사에 가장 잘 맞는 새 입찰을 매일 또는 매주 보내며, 파트너가 승인한 입찰이 먼저 나옵니다. "
            "모든 이메일에는 수신을 멈추는 링크가 있습니다."
        ),
        "subscription_added": "주소를 구독에 추가했습니다.",
        "subscription_ended": "구독을 종료했습니다. 이 주소로 더 이상 요약을 보내지 않습니다.",
        "subscriptions_list": "구독",
        "no_subscriptions": "아직 이 회사의 요약을 받는 주소가 없습니다.",
        "preview_link": "다음 요약 미리 보기",
        "subscriptions_table": "구독 주소별 발송 주기, 내용, 언어",
        "col_email": "이메일 주소",
        "col_frequency": "발송 주기",
        "col_min_score": "최저 적합도",
        "col_max_items": "이메일당 입찰 수",
        "col_digest_language": "언어",
        "col_countries": "국가",
        "col_value_range": "계약 금액",
        "col_state": "상태",
        "frequency_daily": "매일",
        "frequency_weekly": "매주",
        "digest_language_en": "영어",
        "digest_language_ko": "한국어",
        "any_value": "금액 제한 없음",
        "active_since": "사용 중 ({who}, {when})",
        "ended_on": "{when} 종료",
        "end_subscription": "종료",
        "add_subscription": "주소 구독 추가",
        "min_score_hint": (
            "0과 1 사이의 값으로, 이런 추천을 관련 있다고 판단한 비율입니다. 비워 두면 기본값 {default}입니다."
        ),
        "subscription_countries_hint": "이 국가의 입찰만 보냅니다. 선택하지 않으면 모든 국가입니다.",
        "subscribe_button": "구독",
        "expect_email": "name@example.org 같은 이메일 주소를 입력하세요.",
        "expect_frequency": "매일 또는 매주를 선택하세요.",
        "expect_min_score": "0과 1 사이의 숫자를 입력하거나 비워 두세요.",
        "expect_max_items": "1부터 100 사이의 정수를 입력하세요.",
        "expect_digest_language": "영어 또는 한국어를 선택하세요.",
        "expect_listed_country": "목록에 없는 국가입니다: {value}. 목록에서 국가를 선택하세요.",
        "expect_rated_currency": "환율이 없는 통화입니다: {value}. EUR, USD, KRW 같은 세 글자 통화 코드를 사용하세요.",
        "expect_min_below_max": "최소 금액이 최대 금액보다 클 수 없습니다.",
        "email_subscribed": (
            "이 주소는 이미 이 회사의 요약을 받고 있습니다. 설정을 바꾸려면 먼저 그 구독을 종료하세요."),
        "preview_heading": "{name} 다음 요약",
        "preview_intro": (
            "지금 요약을 보낸다면 각 구독이 받을 내용입니다. 아무것도 보내거나 기록하지 않으며, "
            "표시된 수신 거부 링크는 실제로 작동하지 않습니다."
        ),
        "back_to_subscriptions": "구독으로 돌아가기",
        "no_active_subscriptions": "사용 중인 구독이 없습니다.",
        "preview_for": "{email} 요약",
        "preview_subject": "제목",
        "preview_count": "입찰 수",
        "preview_empty": "새로 맞는 입찰이 없어 이메일을 보내지 않습니다.",
        "preview_text": "이메일 본문 (텍스트)",
        "officer_title": "공고 자료, 회사, 파트너",
        "assignment_assigned": "회사를 파트너에게 배정했습니다.",
        "assignment_withdrawn": "파트너의 회사 배정을 해제했습니다.",
        "upload_heading": "공고 자료 파일 가져오기",
        "upload_intro": (
            "새 공고와 변경된 공고는 바로 저장되고, 검색 색인은 그 뒤 백그라운드에서 갱신됩니다. "
            "갱신이 끝나면 추천에 새 공고가 반영됩니다."
        ),
        "upload_file": "공고 자료 파일",
        "upload_hint": (
            "TED XML 또는 eForms, OCDS JSON, CSV 또는 JSON 표, 또는 이들의 .tar.gz, .zip 파일 (최대 {size} MB)."
        ),
        "upload_button": "가져오기",
        "upload_too_large": "파일이 크기 제한을 넘어 아무것도 저장하지 않았습니다.",
        "upload_refused": "{value} 파일을 가져올 수 없어 아무것도 저장하지 않았습니다.",
        "upload_unreadable": (
            "{value} 파일을 읽을 수 없습니다. 손상되었거나 파일 이름(확장자)과 실제 형식이 다릅니다. "
            "아무것도 저장하지 않았습니다."),
        "upload_unknown_type": (
            "{value} 같은 파일은 가져올 수 없습니다. .xml, .json, .jsonl, .csv (또는 그 .gz), .tar.gz, .zip 파일을 "
            "사용하세요. 아무것도 저장하지 않았습니다."),
        "choose_file": "가져올 파일을 선택하세요.",
        "officer_firms": "회사",
        "firm_count": "회사 {count}곳",
        "no_firms_stored": "아직 저장된 회사가 없습니다.",
        "assignable_cut": (
            "목록은 ID 순으로 {total}개 회사 중 처음 {shown}개만 보여 줍니다. 위에서 필요한 회사를 찾으세요."),
        "officer_firms_table": "전체 회사와 담당 파트너, 회사별 페이지",
        "col_firm_id": "ID",
        "col_partners": "파트너",
        "col_pages": "페이지",
        "partners_heading": "파트너와 담당 회사",
        "partners_intro": "파트너는 배정된 회사의 추천을 보고 결정하며, 이메일 요약을 관리합니다.",
        "assignment_refused": "배정을 변경할 수 없습니다.",
        "assignment_unknown_partner": "{value} 이름의 파트너가 없습니다. 목록에서 고르세요.",
        "assignment_unknown_firm": "ID가 {value}인 회사가 없습니다. 목록에서 고르세요.",
        "assignment_not_assigned": "{value} 회사는 이 파트너에게 배정되어 있지 않아 해제할 것이 없습니다.",
        "no_partners": "아직 파트너 키가 없습니다 (matcher keys create --role partner).",
        "partners_table": "파트너별 배정된 회사",
        "col_partner": "파트너",
        "col_assigned_firms": "배정된 회사",
        "withdraw": "배정 해제",
        "withdraw_from": "{partner} 담당 {firm}",
        "assign": "배정",
        "import_title": "{file} 가져오기",
        "import_by": "{who}, {when}에 올림.",
        "import_report": "저장 결과",
        "report_new": "새 공고",
        "report_updated": "변경된 공고",
        "report_unchanged": "변경 없는 공고",
        "report_rejected": "거부된 레코드",
        "rejected_table": "거부된 레코드와 이유 ({total}건 중 {shown}건)",
        "col_record": "레코드",
        "col_reason": "이유",
        "index_update": "검색 색인",
        "index_not_needed": "변경된 내용이 없어 검색 색인을 갱신할 필요가 없습니다.",
        "index_job_forgotten": (
            "이 서버는 색인 갱신 작업을 더 이상 기억하지 않습니다. 서비스 준비 상태를 확인하세요."
        ),
        "index_job_queued": "색인 갱신을 기다리는 중…",
        "index_job_running": "색인을 갱신하는 중…",
        "index_job_done": "완료: 색인이 최신 상태이며 추천에 새 공고가 반영됩니다.",
        "index_job_failed": "색인 갱신에 실패했습니다. 추천은 이전 색인을 계속 사용합니다.",
        "check_again": "다시 확인",
        "back_to_officer": "공고 자료, 회사, 파트너로 돌아가기",
        "import_not_known": (
            "이 주소의 가져오기 기록이 없습니다 (가져오기 기록은 처리한 서버가 한동안 보관합니다)."
        ),
        # ---- live feeds on the officer page (api.web.feed_pages)
        "feeds_heading": "실시간 공고 자료",
        "feeds_intro": (
            "자료원에서 페이지 단위로 가져옵니다. 각 페이지의 공고는 진행 위치와 함께 저장되므로, 중단된 실행은 "
            "마지막으로 저장된 페이지 다음부터 이어집니다. 한 자료원이 실패해도 다른 자료원은 계속 가져옵니다."
        ),
        "no_feeds": "아직 설정된 자료원이 없습니다.",
        "feeds_table": "자료원별 가져오는 내용과 최근 실행 결과",
        "col_feed": "자료원",
        "col_feed_kind": "출처",
        "col_feed_url": "주소",
        "col_feed_query": "검색 조건",
        "col_last_run": "최근 실행",
        "col_last_error": "최근 오류",
        "col_cursor_at": "진행 위치 갱신",
        "col_feed_actions": "작업",
        "feed_kind_ted": "TED",
        "feed_kind_worldbank": "세계은행",
        "feed_kind_ocds": "OCDS 게시처",
        "public_default": "공개 기본 주소",
        "feed_never_run": "아직 실행 안 함",
        "feed_status_running": "실행 중",
        "feed_status_ok": "정상",
        "feed_status_failed": "실패",
        "feed_status_busy": "건너뜀: 다른 프로세스가 실행 중",
        "feed_counts": "{pages}페이지: 새 공고 {new}건, 변경 {updated}건, 변경 없음 {unchanged}건, 거부 {rejected}건",
        "cursor_never_moved": "아직 없음",
        "run_now": "지금 실행",
        "reset_cursor": "처음부터",
        "remove_feed": "삭제",
        "run_all_feeds": "모든 자료원 지금 실행",
        "add_feed": "자료원 추가",
        "feed_name": "이름",
        "feed_name_hint": "영문 소문자, 숫자, - 와 _, 최대 60자.",
        "feed_page_size": "페이지 크기",
        "feed_page_size_hint": "페이지당 공고 수, 1~1,000. 비워 두면 출처의 기본값.",
        "feed_url_hint": (
            "TED와 세계은행은 비워 두면 공개 주소를 씁니다. OCDS 게시처는 릴리스 또는 레코드 패키지 주소가 "
            "필요합니다."
        ),
        "feed_query_hint": "출처의 검색 조건 (TED는 전문가 검색식). 비워 두어도 됩니다.",
        "add_feed_button": "자료원 추가",
        "expect_feed_name": "영문 소문자, 숫자, - 또는 _ 로 1~60자, 첫 글자는 영문자나 숫자로 쓰세요.",
        "expect_feed_kind": "TED, 세계은행, OCDS 게시처 중에서 고르세요.",
        "expect_feed_url": "http:// 또는 https:// 주소를 쓰거나 비워 두세요 (OCDS 게시처는 비울 수 없음).",
        "expect_feed_query": "탭이나 줄바꿈 없이 최대 2,000자로 쓰세요.",
        "expect_feed_page_size": "1에서 1,000 사이의 정수를 쓰거나 비워 두세요.",
        "feed_refused": "이 자료원을 추가할 수 없습니다.",
        "feed_exists": "{value} 이름의 자료원이 이미 있습니다.",
        "feed_url_not_public": (
            "{value}: 공개 인터넷 주소가 아닙니다. 자료원은 서버 내부망이 아닌 인터넷에서만 가져옵니다."),
        "feed_added": "자료원을 추가했습니다. 지금 실행하거나 예약 실행을 기다리세요.",
        "feed_reset": "진행 위치를 초기화했습니다. 다음 실행은 처음부터 시작합니다.",
        "feed_removed": "자료원을 삭제했습니다. 가져온 공고는 그대로 남습니다.",
        "confirm_remove_title": "{name} 자료원을 삭제할까요?",
        "confirm_remove_text": "설정, 진행 위치와 실행 기록이 삭제됩니다. 가져온 공고는 그대로 저장되어 있습니다.",
        "confirm_remove": "자료원 삭제",
        "confirm_reset_title": "{name} 자료원을 처음부터 다시 가져올까요?",
        "confirm_reset_text": "진행 위치가 지워져 다음 실행은 자료원의 기본 시작점부터 시작합니다. "
                              "저장된 공고는 남으며, 다시 가져온 공고는 변경 없음으로 처리됩니다.",
        "confirm_reset": "처음부터 다시",
        "cancel": "취소",
        "feed_not_known": "이 이름으로 설정된 자료원이 없습니다.",
        "feed_run_queued": "실행을 기다리는 중…",
        "feed_run_running": "자료원에서 가져오는 중…",
        "feed_run_done": "실행이 끝났습니다:",
        "feed_run_failed": "실행에 실패했습니다.",
        "feed_run_unknown": "이 서버는 그 실행을 더 이상 기억하지 않습니다. 표에서 자료원별 최근 실행을 확인하세요.",
    },
}


def translate(language: Language, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` with its placeholders filled in (KeyError for an unknown key)."""
    text = MESSAGES[language][key]
    return text.format(**params) if params else text
