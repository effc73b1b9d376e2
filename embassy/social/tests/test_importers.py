"""Importing the platforms' own exports: what a mission with no API keys would upload."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from embassy.social.importers import ImportFileError
from embassy.social.models import Account, Follow, Post, PostSnapshot, Pull
from embassy.social.services import account_import

pytestmark = pytest.mark.django_db


def account(platform: str, handle: str, url: str) -> Account:
    return Account.objects.create(platform=platform, handle=handle, owner="ministry", url=url)


def ytd(name: str, items: list[Any]) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(items, indent=2)


TWEETS: list[Any] = [
    {"tweet": {"id_str": "1729000000000000001", "created_at": "Mon Nov 27 02:15:00 +0000 2023",
               "full_text": "Selamat pagi dari Kuala Lumpur https://t.co/abc", "favorite_count": "12",
               "retweet_count": "3", "in_reply_to_status_id_str": None,
               "entities": {"urls": [{"expanded_url": "https://kemlu.go.id"}]}}},
    {"tweet": {"id_str": "1729000000000000002", "created_at": "Tue Nov 28 10:00:00 +0000 2023",
               "full_text": "@warga Silakan hubungi hotline", "favorite_count": "1", "retweet_count": "0",
               "in_reply_to_status_id_str": "1728", "entities": {},
               "extended_entities": {"media": [{"type": "video"}]}}},
]


def test_an_x_archive_zip_adds_posts_numbers_and_follows() -> None:
    acct = account("x", "kbri_contoh", "https://x.com/kbri_contoh")
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("data/account.js", ytd("account", [{"account": {"username": "kbri_contoh", "accountId": "42"}}]))
        z.writestr("data/tweets.js", ytd("tweets", TWEETS))
        z.writestr("data/following.js", ytd("following", [{"following": {"accountId": "7"}}]))
        z.writestr("data/tweets_media/big.mp4", b"\x00" * 10)  # media files are never read
    pull = account_import(account=acct, filename="twitter-2024.zip", data=blob.getvalue())
    assert pull.source == "x-archive" and pull.posts == 2
    first, reply = Post.objects.order_by("published_at")
    assert (first.kind, first.likes, first.shares, first.is_reply) == ("link", 12, 3, False)
    assert (reply.kind, reply.is_reply) == ("video", True)
    assert first.url == "https://x.com/kbri_contoh/status/1729000000000000001"
    assert PostSnapshot.objects.count() == 2 and Follow.objects.get().target_id == "7"
    account_import(account=acct, filename="twitter-2024.zip", data=blob.getvalue())  # again: nothing doubled
    assert Post.objects.count() == 2


def test_an_archive_of_another_account_or_a_broken_file_is_refused_and_nothing_stored() -> None:
    acct = account("x", "kbri_contoh", "https://x.com/kbri_contoh")
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("data/account.js", ytd("account", [{"account": {"username": "someone_else"}}]))
        z.writestr("data/tweets.js", ytd("tweets", TWEETS))
    with pytest.raises(ImportFileError, match="someone_else"):
        account_import(account=acct, filename="a.zip", data=blob.getvalue())
    broken = ytd("tweets", TWEETS).replace('"created_at": "Tue Nov 28 10:00:00 +0000 2023",', "")
    with pytest.raises(ImportFileError) as info:
        account_import(account=acct, filename="tweets.js", data=broken.encode())
    assert info.value.where == "item 2" and "created_at" in info.value.message
    with pytest.raises(ImportFileError) as info:
        account_import(account=acct, filename="tweets.js", data=b"window.YTD.tweets.part0 = [\n{\n")
    assert info.value.where.startswith("line ")
    assert not Post.objects.exists() and not Pull.objects.exists()


def test_instagram_and_facebook_exports_add_posts_without_numbers() -> None:
    ig = account("instagram", "kbri_contoh", "https://www.instagram.com/kbri_contoh/")
    posts = [{"media": [{"uri": "media/posts/202402/1.jpg", "creation_timestamp": 1707000000,
                         "title": "Upacara 17 Agustus \u00e2\u0080\u0094 KBRI"}]},
             {"media": [{"uri": "media/posts/202402/2.mp4", "creation_timestamp": 1707100000}],
              "title": "Video", "creation_timestamp": 1707100000}]
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("your_instagram_activity/content/posts_1.json", json.dumps(posts))
    pull = account_import(account=ig, filename="instagram-kbri.zip", data=blob.getvalue())
    assert pull.posts == 2 and pull.snapshots == 0 and not PostSnapshot.objects.exists()
    photo = Post.objects.get(kind="image")
    assert photo.text == "Upacara 17 Agustus — KBRI" and photo.likes is None  # Meta's escaped UTF-8 repaired
    assert Post.objects.filter(kind="video").exists()
    fb = account("facebook", "KBRIContoh", "https://www.facebook.com/KBRIContoh")
    fb_posts = [{"timestamp": 1700000000, "data": [{"post": "Layanan paspor hari Sabtu"}],
                 "attachments": [{"data": [{"external_context": {"url": "https://kemlu.go.id"}}]}]}]
    account_import(account=fb, filename="profile_posts_1.json", data=json.dumps(fb_posts).encode())
    assert Post.objects.get(account=fb).kind == "link"
    with pytest.raises(ImportFileError) as info:
        account_import(account=fb, filename="profile_posts_1.json", data=b'[{"data": []}]')
    assert info.value.where == "item 1"


STUDIO = """\ufeffContent,Video title,Video publish time,Duration,Views,Watch time (hours),Subscribers,Likes,Comments added
Total,,,,15230,812.4,120,950,41
dQw4w9WgXcQ,Layanan paspor elektronik,"Jan 5, 2024",312,12000,700.1,100,800,30
9bZkp7q19f0,Lapor diri,"Mar 1, 2024",95,3230,112.3,20,150,11
"""


def test_a_youtube_studio_csv_adds_videos_with_their_numbers() -> None:
    yt = account("youtube", "kbricontoh", "https://www.youtube.com/@kbricontoh")
    pull = account_import(account=yt, filename="Table data.csv", data=STUDIO.encode())
    assert pull.posts == 2
    video = Post.objects.get(post_id="dQw4w9WgXcQ")
    assert (video.kind, video.views, video.likes, video.comments) == ("video", 12000, 800, 30)
    assert video.published_at.date().isoformat() == "2024-01-05"
    with pytest.raises(ImportFileError) as info:
        account_import(account=yt, filename="Table data.csv", data=b"Video title,Views\nA,1\n")
    assert info.value.where == "line 1" and "Content" in info.value.message
    bad = STUDIO.replace('"Mar 1, 2024"', "yesterday")
    with pytest.raises(ImportFileError) as info:
        account_import(account=yt, filename="Table data.csv", data=bad.encode())
    assert info.value.where == "line 4"
