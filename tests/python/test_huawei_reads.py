"""The official Huawei Cloud Python SDK, unmodified: BMS v1 reads, Live sources and outputs,
DBSS rename, quota and version (AK/SK signatures)."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkbms.v1 import (
    BmsClient, ListBareMetalServerDetailsRequest, ListBareMetalServersDetailRequest, ListBareMetalServersRequest,
    ListBaremetalFlavorDetailExtendsRequest, ShowSpecifiedVersionRequest, ShowTenantQuotaRequest,
)
from huaweicloudsdkdbss.v1 import (
    ChangeNameRequest, DbssClient, ListInstancesRequest, ShowInstanceQuotaRequest, ShowServerVersionRequest,
    UpdateDbOmInstanceNameRequest,
)
from huaweicloudsdklive.v1 import (
    AddFlowOutputsRequest, CreateFlowOutputRequest, DeleteFlowOutputRequest, FlowSource, FlowSourceDecryption,
    LiveClient, ModifyFlowOutputRequest, ModifyFlowSourcesRequest, ModifyFlowSourcesRequestBody,
    ShowFlowDetailRequest, ShowOutputInfoRequest, UpdateFlowOutputRequestBody,
)

from conftest import PROJECT

PROD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
NEWS = "ec897482-d24b-4d64-aa39-407980902b1d"
SPORTS = "3c1f5e2a-8b7d-4c6e-9f0a-1b2c3d4e5f60"
DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"
WEB01 = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"


def client(cls, server, ak, sk):
    return cls.new_builder().with_credentials(BasicCredentials(ak, sk, PROJECT)).with_endpoint(server.url).build()


def test_bms_server_detail_lists_flavors_quota_and_version(server, keys):
    bms = client(BmsClient, server, *keys)
    one = bms.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=DB01)).server
    assert (one.id, one.name, one.status) == (DB01, "bms-db-01", "ACTIVE")
    assert one.os_ext_st_svm_state == "active" and one.os_ext_st_spower_state == 1
    assert one.flavor.id == "physical.s4.xlarge"
    assert "__type_baremetal" in one.tags

    every = bms.list_bare_metal_servers(ListBareMetalServersRequest())
    assert every.count == 2 and [s.id for s in every.servers] == [DB01, WEB01]
    shutoff = bms.list_bare_metal_servers(ListBareMetalServersRequest(status="SHUTOFF"))
    assert [s.id for s in shutoff.servers] == [WEB01]
    named = bms.list_bare_metal_servers(ListBareMetalServersRequest(name="web", flavor="physical.s4.large"))
    assert [s.id for s in named.servers] == [WEB01]
    page2 = bms.list_bare_metal_servers(ListBareMetalServersRequest(limit=1, offset=2))
    assert [s.id for s in page2.servers] == [WEB01] and page2.count == 2

    short = bms.list_bare_metal_servers_detail(ListBareMetalServersDetailRequest(limit=1, offset=1)).servers
    assert [(s.id, s.vm_state, s.flavor.id) for s in short] == [(DB01, "active", "physical.s4.xlarge")]

    flavors = bms.list_baremetal_flavor_detail_extends(ListBaremetalFlavorDetailExtendsRequest()).flavors
    assert {f.id for f in flavors} == {"physical.s4.xlarge", "physical.s4.large"}
    quota = bms.show_tenant_quota(ShowTenantQuotaRequest()).absolute
    assert quota.total_instances_used == 2 and quota.max_total_instances >= 2
    version = bms.show_specified_version(ShowSpecifiedVersionRequest(api_version="v1")).version
    assert version.id == "v1" and version.status == "CURRENT"

    with pytest.raises(ClientRequestException) as e:
        bms.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(
            server_id="00000000-0000-0000-0000-000000000000"))
    assert (e.value.status_code, e.value.error_code) == (404, "BMS.0040")


def test_live_sources_and_outputs(server, keys):
    live = client(LiveClient, server, *keys)
    source = FlowSource(min_latency=150, description="backup encoder", cidr_whitelist=["192.0.2.0/24"],
                        decryption=FlowSourceDecryption(algorithm="aes256", key_type="srt-password",
                                                        passphrase="a-new-passphrase"))
    changed = live.modify_flow_sources(ModifyFlowSourcesRequest(
        flow_id=SPORTS, source_name="sports-in", body=ModifyFlowSourcesRequestBody(source=source)))
    assert changed.flow_id == SPORTS
    assert (changed.source.min_latency, changed.source.protocol) == (150, "srt-caller")
    assert changed.source.decryption.passphrase == "******"
    detail = live.show_flow_detail(ShowFlowDetailRequest(flow_id=SPORTS))
    assert detail.status == "ACTIVE" and detail.sources[0].description == "backup encoder"
    seeded = live.show_flow_detail(ShowFlowDetailRequest(flow_id=NEWS)).sources[0]
    assert seeded.cidr_whitelist and seeded.decryption.passphrase == "******"
    assert seeded.health_status == "DISCONNECTED" and seeded.min_latency == 1000

    out = AddFlowOutputsRequest(name="archive", protocol="srt-caller", destination="198.51.100.30", port=9200,
                                min_latency=300, cidr_whitelist=["198.51.100.0/24"], output_status="ENABLED")
    created = live.create_flow_output(CreateFlowOutputRequest(flow_id=NEWS, body=[out]))
    assert created.flow_id == NEWS and [o.name for o in created.outputs] == ["archive"]
    shown = live.show_output_info(ShowOutputInfoRequest(flow_id=NEWS, output_name="archive"))
    assert (shown.port, shown.protocol, shown.health_status) == (9200, "srt-caller", "DISCONNECTED")
    modified = live.modify_flow_output(ModifyFlowOutputRequest(
        flow_id=NEWS, output_name="archive", body=UpdateFlowOutputRequestBody(port=9300)))
    assert (modified.port, modified.min_latency) == (9300, 300)
    names = [o.name for o in live.show_flow_detail(ShowFlowDetailRequest(flow_id=NEWS)).outputs]
    assert names == ["news-out", "archive"]
    deleted = live.delete_flow_output(DeleteFlowOutputRequest(flow_id=NEWS, output_name="archive"))
    assert (deleted.flow_id, deleted.output_name) == (NEWS, "archive")

    with pytest.raises(ClientRequestException) as e:
        live.show_output_info(ShowOutputInfoRequest(flow_id=NEWS, output_name="archive"))
    assert (e.value.status_code, e.value.error_code) == (400, "LIVE.100011001")


def test_dbss_rename_quota_and_version(server, keys):
    dbss = client(DbssClient, server, *keys)
    renamed = dbss.update_db_om_instance_name(UpdateDbOmInstanceNameRequest(
        instance_id=PROD, body=ChangeNameRequest(new_name="dbom-primary")))
    assert renamed.result == "success"
    names = {c.instance_id: c.name for c in dbss.list_instances(ListInstancesRequest()).clusters}
    assert names[PROD] == "dbom-primary"
    quota = dbss.show_instance_quota(ShowInstanceQuotaRequest())
    assert quota.project_id == PROJECT and quota.quota == 8
    assert dbss.show_server_version(ShowServerVersionRequest()).version

    with pytest.raises(ClientRequestException) as e:
        dbss.update_db_om_instance_name(UpdateDbOmInstanceNameRequest(
            instance_id=PROD, body=ChangeNameRequest(new_name="no")))
    assert (e.value.status_code, e.value.error_code) == (400, "DBSS.10000001")
    dbss.update_db_om_instance_name(UpdateDbOmInstanceNameRequest(
        instance_id=PROD, body=ChangeNameRequest(new_name="dbom-prod")))
