"""`ZapSign`, the provider the registry hands out: every resource class of this package in one.

A resource calls another one only through the operations `Provider` declares (the request
update reads the document with `get_document`), so each resource module stands on its own.
"""

from __future__ import annotations

from esign.providers.zapsign.account import AccountInfo
from esign.providers.zapsign.attachments import Attachments
from esign.providers.zapsign.audit import Audit
from esign.providers.zapsign.documents import Documents
from esign.providers.zapsign.requests import Requests
from esign.providers.zapsign.signers import Signers
from esign.providers.zapsign.templates import Templates
from esign.providers.zapsign.webhooks import WebhookAdmin


class ZapSign(
    Documents, Requests, Signers, Audit, Attachments, Templates, AccountInfo, WebhookAdmin
):
    pass
