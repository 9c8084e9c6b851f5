"""openstacksdk and the `openstack` CLI, unmodified, page through Switchboard's Glance image
list: more images than Glance's default page (25), followed by `next` to the end."""

import json

import openstack
import pytest

from conftest import PASSWORD, PROJECT, openstack as openstack_cli

COUNT = 60
# Each server its own image; the demo's two share one more.
EXTRA = "".join(
    f'''
[[servers]]
id = "c0000000-0000-4000-8000-0000000000{i:02d}"
project = "local-1"
name = "bms-img-{i:02d}"
state = "running"
attrs = {{ flavor = "physical.s4.large", image = "img-{i:02d}", image_name = "{"even" if i % 2 == 0 else f"image-{i:02d}"}" }}
'''
    for i in range(COUNT)
)
WANT = {f"img-{i:02d}" for i in range(COUNT)} | {"1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10"}


@pytest.fixture(scope="module")
def images_server(switchboard_factory):
    s = switchboard_factory(extra_config=EXTRA)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def conn(images_server):
    c = openstack.connect(
        auth_url=images_server.url + "/v3",
        username="admin",
        password=PASSWORD,
        project_id=PROJECT,
        user_domain_name="switchboard",
        project_domain_name="switchboard",
        region_name="local-1",
    )
    yield c
    c.close()


@pytest.mark.parametrize("limit", [None, 7, 1000])
def test_the_sdk_pages_every_image_once(conn, limit):
    kwargs = {} if limit is None else {"limit": limit}
    ids = [i.id for i in conn.image.images(**kwargs)]
    assert len(ids) == len(set(ids)), "each image once"
    assert set(ids) == WANT


def test_the_sdk_filters_by_name_across_pages(conn):
    even = sorted(i.id for i in conn.image.images(name="even", limit=4))
    assert even == sorted(f"img-{i:02d}" for i in range(0, COUNT, 2))
    assert conn.image.find_image("image-07").id == "img-07"


def test_openstack_image_list_shows_every_image(images_server):
    listed = json.loads(openstack_cli(images_server, "image", "list", "-f", "json"))
    assert {i["ID"] for i in listed} == WANT
    assert len(listed) == len(WANT)
