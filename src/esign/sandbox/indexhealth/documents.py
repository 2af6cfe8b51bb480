"""IndexHealth documents (spec §3.1 create, update and delete through sync, §3.2 details,
§3.3 a collection's list with the processing progress)."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from esign.sandbox.indexhealth.base import IndexHealthBase
from esign.sandbox.indexhealth.store import PROVIDER, IHDoc, now_text

DOCUMENT_TYPES = ("PDF", "DOCX", "TXT", "IMG", "OTHER")


class Documents(IndexHealthBase):
    # -- §3.1 sync -------------------------------------------------------------------------

    async def sync_document(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        document_id = body.get("document_id")
        if document_id:
            doc = self.store.docs.get(str(document_id))
            if doc is None:
                return self.envelope(437, message="Document not found")
            if body.get("is_delete") is True:
                del self.store.docs[doc.document_id]
                return self.envelope(200, {"document_id": doc.document_id, "deleted": True})
            problem = self._apply(doc, body)
            if problem:
                return problem
            doc.updated_at = now_text()
            return self.envelope(200, self._details(doc))
        missing = [k for k in ("document_name", "collection_id") if not body.get(k)]
        if missing:
            return self.envelope(435, message=f"Missing required fields: {', '.join(missing)}")
        if str(body["collection_id"]) not in self.store.collections:
            return self.envelope(437, message="Collection not found")
        doc = IHDoc(
            document_id=str(uuid.uuid4()),
            collection_id=str(body["collection_id"]),
            name=str(body["document_name"]),
            document_type="OTHER",
        )
        if body.get("fileBase64"):
            try:
                doc.content = base64.b64decode(str(body["fileBase64"]), validate=True)
            except (binascii.Error, ValueError):
                return self.envelope(436, message="1. Invalid base64 in fileBase64")
            doc.mime = str(body.get("fileType") or "application/octet-stream")
            doc.file_path = f"documents/{doc.document_id}/{doc.name}"
        elif body.get("document_file_path"):
            doc.file_path = str(body["document_file_path"])
            doc.content = b""
        elif body.get("document_url"):
            doc.url = str(body["document_url"])
        else:
            return self.envelope(435, message="Missing required fields: fileBase64 or document_url")
        problem = self._apply(doc, body)
        if problem:
            return problem
        self.store.docs[doc.document_id] = doc
        self.store.shared.record(PROVIDER, "create_document", doc.document_id)
        return self.envelope(200, self._details(doc))

    def _apply(self, doc: IHDoc, body: dict[str, Any]) -> Response | None:
        doc_type = body.get("document_type")
        if doc_type is not None:
            if doc_type not in DOCUMENT_TYPES:
                return self.envelope(
                    436, message=f"1. Invalid document_type: must be one of {DOCUMENT_TYPES}"
                )
            doc.document_type = str(doc_type)
        if body.get("document_name"):
            doc.name = str(body["document_name"])
        if "document_description" in body:
            doc.description = str(body["document_description"] or "")
        if "document_priority" in body:
            doc.priority = str(body["document_priority"] or "")
        if "document_tags" in body:
            tags = body["document_tags"]
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                return self.envelope(436, message="1. document_tags must be a list of strings")
            doc.tags = list(tags)  # replaced, not merged (gap 4: our choice)
        return None

    # -- §3.2 details, §3.3 list -----------------------------------------------------------

    def _item(self, doc: IHDoc) -> dict[str, Any]:
        elapsed = time.time() - doc.created_ts
        progress = (
            100
            if not doc.file_path
            else min(100, int(elapsed / max(self.store.processing_seconds, 1e-6) * 100))
        )
        return {
            "document_id": doc.document_id,
            "document_name": doc.name,
            "document_description": doc.description,
            "document_type": doc.document_type,
            "document_priority": doc.priority,
            "collection_id": doc.collection_id,
            "document_file_path": doc.file_path,
            "document_url": doc.url,
            "document_tags": doc.tags,
            "avg_progress": progress,
            "created_at": doc.created_at,
            "updated_at": doc.updated_at,
        }

    def _details(self, doc: IHDoc) -> dict[str, Any]:
        item = self._item(doc)
        # Progress is documented on list items only (spec §4b); details carry the collection
        # name and plans instead.
        del item["avg_progress"]
        item["collection_name"] = self.store.collections.get(doc.collection_id)
        item["associated_plans"] = [
            {"plan_id": "plan-basic", "plan_name": "Basic plan", "color": "#2a7ae2"}
        ]
        return item

    async def details(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        if not body.get("document_id"):
            return self.envelope(435, message="Document ID is required")
        doc = self.store.docs.get(str(body["document_id"]))
        if doc is None:
            return self.envelope(437, message="Document not found")
        return self.envelope(200, self._details(doc))

    async def list_documents(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        collection = body.get("collection_id")
        if not collection:
            return self.envelope(435, message="Collection ID is required")
        if str(collection) not in self.store.collections:
            return self.envelope(437, message="Collection not found")
        docs = [d for d in self.store.docs.values() if d.collection_id == collection]
        return self.envelope(200, [self._item(d) for d in docs])
