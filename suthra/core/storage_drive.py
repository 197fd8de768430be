"""A Django storage backend writing into a Google Drive folder with a service account.

A service account has no storage quota of its own, so the folder must be in a **Shared Drive**
the service account is a member of (Content manager). Every call passes
``supportsAllDrives=True``. The "name" Django keeps for a saved file is the Drive file id.

Configure with ``PHOTO_STORAGE=drive``, ``DRIVE_FOLDER_ID`` and ``DRIVE_CREDENTIALS_FILE``
(the service account's JSON key); see docs/FIELD_WORK.md.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

SCOPES = ["https://www.googleapis.com/auth/drive"]


@deconstructible
class GoogleDriveStorage(Storage):
    def __init__(
        self,
        folder_id: str = "",
        credentials_file: str = "",
        service: Any = None,
        http: Any = None,
    ) -> None:
        self.folder_id = folder_id
        self.credentials_file = credentials_file
        self._service = service
        # An httplib2.Http-like object; tests pass googleapiclient.http.HttpMockSequence.
        self._http = http

    @property
    def service(self) -> Any:
        if self._service is None:
            from googleapiclient.discovery import build

            if self._http is not None:
                self._service = build(
                    "drive", "v3", http=self._http, cache_discovery=False, static_discovery=True
                )
            else:
                from google.oauth2 import service_account

                credentials = service_account.Credentials.from_service_account_file(
                    self.credentials_file, scopes=SCOPES
                )
                self._service = build(
                    "drive",
                    "v3",
                    credentials=credentials,
                    cache_discovery=False,
                    static_discovery=True,
                )
        return self._service

    # Drive ids are unique; a new upload never collides with an existing name.
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def _save(self, name: str, content: File) -> str:
        from googleapiclient.http import MediaIoBaseUpload

        content.seek(0)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        media = MediaIoBaseUpload(io.BytesIO(content.read()), mimetype=mime, resumable=False)
        body: dict[str, Any] = {"name": posixpath.basename(name)}
        if self.folder_id:
            body["parents"] = [self.folder_id]
        created = (
            self.service.files()
            .create(body=body, media_body=media, fields="id", supportsAllDrives=True)
            .execute()
        )
        return str(created["id"])

    def _open(self, name: str, mode: str = "rb") -> File:
        data = self.service.files().get_media(fileId=name, supportsAllDrives=True).execute()
        return ContentFile(data, name=name)

    def delete(self, name: str) -> None:
        self.service.files().delete(fileId=name, supportsAllDrives=True).execute()

    def exists(self, name: str) -> bool:
        from googleapiclient.errors import HttpError

        try:
            self.service.files().get(fileId=name, fields="id", supportsAllDrives=True).execute()
        except HttpError as exc:
            if exc.resp.status == 404:
                return False
            raise
        return True

    def size(self, name: str) -> int:
        meta = (
            self.service.files().get(fileId=name, fields="size", supportsAllDrives=True).execute()
        )
        return int(meta.get("size", 0))

    def url(self, name: str | None) -> str:
        # Photos are served through a scoped view, never by a public link.
        raise NotImplementedError("Drive files are served through the application")
