"""Photo storage backends: local files, S3 (moto) and Google Drive (the library's HTTP mocks).

No network: moto intercepts boto3, and googleapiclient's HttpMockSequence answers Drive calls.
"""

from __future__ import annotations

import json

import boto3
import pytest
from django.core.files.base import ContentFile
from googleapiclient.http import HttpMockSequence
from moto import mock_aws

from suthra.core import photos
from suthra.core.storage_drive import GoogleDriveStorage
from suthra.visits.tests.images import jpeg_bytes, upload


@pytest.fixture
def processed():
    return photos.photo_process(upload(jpeg_bytes(size=(640, 480), noisy=False)))


def test_local_filesystem_storage(settings, tmp_path, processed):
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    stored = photos.photo_store(processed, folder="visits")
    assert (tmp_path / stored.key).read_bytes() == processed.photo
    assert (tmp_path / stored.thumb_key).read_bytes() == processed.thumb


def test_s3_storage(settings, processed):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="suthra-photos")
        settings.STORAGES = {
            **settings.STORAGES,
            "photos": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "suthra-photos",
                    "region_name": "us-east-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                    "location": "photos",
                    "default_acl": None,
                    "file_overwrite": False,
                },
            },
        }
        stored = photos.photo_store(processed, folder="visits")
        body = (
            boto3.client("s3", region_name="us-east-1")
            .get_object(Bucket="suthra-photos", Key=f"photos/{stored.key}")["Body"]
            .read()
        )
        assert body == processed.photo
        with photos.photo_open(stored.key) as fh:
            assert fh.read() == processed.photo


def test_drive_storage_uploads_into_shared_drive_folder_and_reads_back():
    http = HttpMockSequence(
        [
            ({"status": "200"}, json.dumps({"id": "1AbCdriveFileId"})),
            ({"status": "200"}, b"\xff\xd8stored-bytes"),
            ({"status": "200"}, json.dumps({"size": "14"})),
            ({"status": "204"}, b""),
        ]
    )
    storage = GoogleDriveStorage(folder_id="shared-folder-1", http=http)
    key = storage.save("visits/2025/11/abc.jpg", ContentFile(b"\xff\xd8stored-bytes"))
    # Django keeps the Drive file id as the name.
    assert key == "1AbCdriveFileId"
    with storage.open(key) as fh:
        assert fh.read() == b"\xff\xd8stored-bytes"
    assert storage.size(key) == 14
    storage.delete(key)


def test_drive_storage_create_request_names_the_folder_and_all_drives():
    http = HttpMockSequence([({"status": "200"}, "echo_request_uri")])
    storage = GoogleDriveStorage(folder_id="shared-folder-1", http=http)
    request = storage.service.files().create(
        body={"name": "x.jpg", "parents": ["shared-folder-1"]},
        fields="id",
        supportsAllDrives=True,
    )
    assert "supportsAllDrives=true" in request.uri


def test_drive_storage_missing_file_does_not_exist():
    http = HttpMockSequence([({"status": "404"}, json.dumps({"error": {"code": 404}}))])
    assert GoogleDriveStorage(folder_id="f", http=http).exists("nope") is False


def test_drive_storage_through_the_photo_pipeline(settings, processed):
    http = HttpMockSequence(
        [
            ({"status": "200"}, json.dumps({"id": "photo-id"})),
            ({"status": "200"}, json.dumps({"id": "thumb-id"})),
        ]
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "suthra.core.storage_drive.GoogleDriveStorage",
            "OPTIONS": {"folder_id": "shared-folder-1", "http": http},
        },
    }
    stored = photos.photo_store(processed, folder="visits")
    assert (stored.key, stored.thumb_key) == ("photo-id", "thumb-id")
