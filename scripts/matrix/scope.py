"""Which operations issue 9 asks for, and why the others are out of scope."""

import re

# Operations issue 9 asks for (regular expressions searched in "Operation METHOD path"): one of
# these that is not served is a gap.
IN_SCOPE = {
    "DBSS": r"DbOmInstance |UpdateDbOmInstanceName|ListInstances|ShowInstanceQuota|ShowServerVersion",
    "Live": r"/flows",
    "BMS": r"^(ListBareMetal|ListBaremetalFlavor|ShowTenantQuota|ShowSpecifiedVersion|ShowJobInfos|Batch(Start|Stop|Reboot))",
    "Nova": r"^(Server (list|fetch)|Server\.(start|stop|reboot|get_console_output) |Server\.\w*metadata|"
            r"Flavor (list|fetch)|Limits|AvailabilityZone|ServerAction|ServerInterface (list|fetch)|ServerRemoteConsole)",
    "Keystone": r"^(Project (list|fetch)|Domain (list|fetch)|User fetch|UserProject list|Service (list|fetch)|"
                r"Endpoint (list|fetch)|Region (list|fetch))",
}

# Why an operation that is not served is out of scope: the first matching rule (a regular
# expression searched in "Operation METHOD path") gives the reason.
OUT_OF_SCOPE = {
    "DBSS": [
        (r"/db-om", "EIPs, passwords, security groups and billing of DB O&M instances are not emulated"),
        (r".", "database audit (rules, alarms, SQL logs, agents, audit instances, tags, ECS specs): "
               "Switchboard emulates the lifecycle of DB O&M instances only"),
    ],
    "Live": [
        (r".", "live streaming (domains, recording, transcoding, snapshots, OTT channels, statistics): "
               "Switchboard emulates the lifecycle of StreamConnect flows only"),
    ],
    "BMS": [
        (r"Create|Delete|Reinstall|ChangeBaremetalServerOs|ChangeBaremetalServerName",
         "creating, deleting, renaming and reinstalling servers: Switchboard manages the power state "
         "of an inventory of existing servers"),
        (r"[Vv]olume|[Nn]ic|[Ii]nterface", "volumes and networks are not emulated"),
        (r"[Pp]assword|[Pp]wd|[Mm]etadata|[Tt]ags|[Rr]emoteConsole|remote_console|AvailableResource",
         "guest configuration (passwords, metadata, tags, consoles) and capacity are not emulated by BMS v1"),
    ],
    "Nova": [
        (r"Flavor (create|delete|commit)|[Ff]lavorAccess|TenantAccess|extra_specs|os-flavor",
         "flavors come from the inventory; they are read-only"),
        (r"[Vv]olume|[Ii]mage|[Ss]hare|[Ff]ixed|[Ff]loating|[Ss]ecurity|ServerInterface (create|delete)",
         "volumes, images, shares, security groups and port changes: storage and networks are not emulated"),
        (r"^Server (create|delete|commit)|rebuild|resize|[Rr]esize|createImage|[Bb]ackup|[Mm]igrat|evacuate|"
         r"[Ss]helve|[Rr]escue|forceDelete|restore|changePassword|os-resetState|trigger|lock|pause|"
         r"suspend|resume",
         "creating, deleting, rebuilding, resizing, migrating or pausing servers: Switchboard manages "
         "the power state of an inventory of existing bare-metal servers"),
        (r"_tag|_tags|/tags|password|topology", "server tags, passwords and NUMA topology are not emulated"),
        (r"ServerIP", "addresses are read from the server's `addresses`"),
        (r"Aggregate|Hypervisor|Service|QuotaSet|QuotaClassSet|Usage|ServerGroup|Keypair|"
         r"ConsoleAuthToken|ServerExternalEvent|Extension|ServerDiagnostics",
         "cloud administration (aggregates, hypervisors, services, quotas, usage, keypairs, server "
         "groups, events, diagnostics, extensions) is not emulated"),
    ],
    "Keystone": [
        (r"Credential|Policy|Trust|Federation|IdentityProvider|Mapping|ServiceProvider|Protocol|"
         r"Application|AccessRule|Limit|Group|Role|_role|DomainConfig|EndpointGroup|System|OS-|_tag|/tags",
         "identity administration beyond tokens and reads (roles, groups, trusts, federation, "
         "limits, policies, credentials) is done through the admin API and the configuration"),
        (r" (POST|PUT|PATCH|DELETE) ", "the catalog, projects, domains and users are read-only "
                                       "(they come from the configuration and the admin API)"),
        (r"^User list", "users are listed through the admin API (`GET /switchboard/v1/users`)"),
    ],
}


def note(op):
    if op["served"]:
        return ""
    text = f"{op['operation']} {op['method']} {op['path']}"
    if re.search(IN_SCOPE[op["family"]], text):
        return "**gap**: issue 9 asks for it"
    for pattern, reason in OUT_OF_SCOPE[op["family"]]:
        if re.search(pattern, text):
            return reason
    return "**unclassified**"
