#!/usr/bin/env python3
"""Large, realistic log exports for the ingest benchmark (docs/performance.md, "Log import").

    scripts/gen_logs.py entra  SIZE_MB OUT.json     # Entra sign-ins: a JSON array as the portal downloads it
    scripts/gen_logs.py okta   SIZE_MB OUT.ndjson   # Okta System Log: NDJSON as a SIEM exports it

Records are shaped after the real third-party samples in tests/fixtures/{entra,okta}/shapes/
(Elastic's integration test data; see SOURCES.md there): the same fields, nesting and value
forms, with users, sessions, apps, addresses and times varied deterministically (seeded), so a
run is reproducible. Nothing here is real data.
"""

import json
import random
import sys
import uuid

UA = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:72.0) Gecko/20100101 Firefox/72.0",
]
APPS = [
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
]
CA = [
    {"conditionsNotSatisfied": 0, "conditionsSatisfied": 7, "displayName": "01 - Require Windows Hybrid AD Joined Device",
     "enforcedGrantControls": ["RequireDomainJoinedDevice"], "enforcedSessionControls": [],
     "id": "22222222-b7da-4d9e-ae41-779c5c256ac8", "result": "success"},
    {"conditionsNotSatisfied": 2, "conditionsSatisfied": 1, "displayName": "03 - Require MFA for Admins",
     "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [],
     "id": "22222222-ea2f-4502-abb7-3689a1b0da41", "result": "notApplied"},
    {"conditionsNotSatisfied": 16, "conditionsSatisfied": 3, "displayName": "04 - Block Legacy Authentication",
     "enforcedGrantControls": ["Block"], "enforcedSessionControls": [],
     "id": "22222222-8e59-4055-87b1-b54a055a7ca5", "result": "notApplied"},
]


def ts(base, seconds):
    s = base + seconds
    day, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    return f"2025-03-{10 + day:02d}T{h:02d}:{m:02d}:{sec:02d}.{random.randint(0, 9999999):07d}Z"


def entra(size, out):
    random.seed(7)
    users = [str(uuid.UUID(int=random.getrandbits(128))) for _ in range(2000)]
    written = 0
    n = 0
    with open(out, "w") as f:
        f.write("[\n")
        while written < size:
            u = random.randrange(len(users))
            session = str(uuid.UUID(int=random.getrandbits(128)))
            start = random.randrange(0, 20 * 86400)
            ip = f"198.51.{u % 200}.{u % 250 + 1}"
            ua = UA[u % len(UA)]
            device = str(uuid.UUID(int=u + 1))
            for k in range(random.randint(4, 20)):
                app = APPS[random.randrange(len(APPS))]
                sid = str(uuid.UUID(int=random.getrandbits(128)))
                rec = {
                    "id": sid, "createdDateTime": ts(0, start + k * 97),
                    "userDisplayName": f"User {u}", "userPrincipalName": f"user{u}@contoso.example",
                    "userId": users[u], "appId": app[0], "appDisplayName": app[1],
                    "ipAddress": ip, "clientAppUsed": "Browser" if k % 3 else "Mobile Apps and Desktop clients",
                    "correlationId": str(uuid.UUID(int=random.getrandbits(128))),
                    "conditionalAccessStatus": "success", "originalRequestId": sid,
                    "isInteractive": k == 0, "tokenIssuerName": "", "tokenIssuerType": "AzureAD",
                    "processingTimeInMilliseconds": random.randint(20, 400),
                    "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none",
                    "riskState": "none", "riskEventTypes": [], "riskEventTypes_v2": [],
                    "resourceDisplayName": app[1], "resourceId": app[0],
                    "status": {"errorCode": 0 if k or random.random() > 0.05 else 50126,
                               "failureReason": "Other.", "additionalDetails": None},
                    "deviceDetail": {"deviceId": device, "displayName": f"PC-{u}", "operatingSystem": "Windows10",
                                     "browser": "Edge 131.0.0", "isCompliant": True, "isManaged": True,
                                     "trustType": "Hybrid Azure AD joined"},
                    "location": {"city": "Hannover", "state": "Niedersachsen", "countryOrRegion": "DE",
                                 "geoCoordinates": {"altitude": None, "latitude": 52.37, "longitude": 9.73}},
                    "appliedConditionalAccessPolicies": CA,
                    "authenticationProcessingDetails": [{"key": "Is CAE Token", "value": "False"}],
                    "networkLocationDetails": [{"networkNames": ["Hannover"], "networkType": "trustedNamedLocation"}],
                    "authenticationRequirement": "singleFactorAuthentication",
                    "signInEventTypes": ["interactiveUser" if k == 0 else "nonInteractiveUser"],
                    "sessionId": session, "incomingTokenType": "none" if k == 0 else "refreshToken",
                    "userAgent": ua, "uniqueTokenIdentifier": sid.replace("-", "")[:22],
                }
                text = ("" if n == 0 else ",\n") + json.dumps(rec, indent=2)
                f.write(text)
                written += len(text)
                n += 1
        f.write("\n]\n")
    print(f"{n} sign-in records, {written / 1e6:.1f} MB", file=sys.stderr)


def okta(size, out):
    random.seed(11)
    written = 0
    n = 0
    apps = [("0oa1slack", "Slack"), ("0oa1sfdc", "Salesforce.com"), ("0oa1aws", "AWS Prod"), ("0oa1gh", "GitHub Enterprise")]
    with open(out, "w") as f:
        while written < size:
            u = random.randrange(3000)
            sid = "102" + uuid.UUID(int=random.getrandbits(128)).hex[:22]
            start = random.randrange(0, 20 * 86400)
            ip = f"175.16.{u % 200}.{u % 250 + 1}"
            actor = {"alternateId": f"user{u}@example.com", "detailEntry": None, "displayName": f"User {u}",
                     "id": f"00u{u:017d}", "type": "User"}
            client = {"device": "Computer", "geographicalContext": {"city": "Dublin", "country": "United States",
                      "geolocation": {"lat": 37.7201, "lon": -121.919}, "postalCode": "94568", "state": "California"},
                      "id": None, "ipAddress": ip, "userAgent": {"browser": "FIREFOX", "os": "Mac OS X",
                      "rawUserAgent": UA[u % len(UA)]}, "zone": "null"}
            steps = ["user.session.start", "policy.evaluate_sign_on", "user.authentication.auth_via_mfa"]
            steps += ["user.authentication.sso"] * random.randint(2, 12)
            for k, et in enumerate(steps):
                e = {"actor": actor,
                     "authenticationContext": {"authenticationProvider": None, "authenticationStep": 0,
                                               "credentialProvider": None, "credentialType": None,
                                               "externalSessionId": sid, "interface": None, "issuer": None},
                     "client": client,
                     "debugContext": {"debugData": {"requestId": uuid.UUID(int=random.getrandbits(128)).hex,
                                                    "requestUri": "/api/v1/authn", "threatSuspected": "false",
                                                    "url": "/api/v1/authn?"}},
                     "displayMessage": et, "eventType": et, "legacyEventType": None,
                     "outcome": {"reason": None, "result": "ALLOW" if et.startswith("policy") else "SUCCESS"},
                     "published": ts(0, start + k * 41)[:23] + "Z",
                     "request": {"ipChain": [{"geographicalContext": client["geographicalContext"], "ip": ip,
                                              "source": None, "version": "V4"}]},
                     "securityContext": {"asNumber": 7922, "asOrg": "comcast", "domain": "comcast.net",
                                         "isProxy": False, "isp": "comcast"},
                     "severity": "INFO", "target": None,
                     "transaction": {"detail": {}, "id": uuid.UUID(int=random.getrandbits(128)).hex[:27], "type": "WEB"},
                     "uuid": str(uuid.UUID(int=random.getrandbits(128))), "version": "0"}
                if et == "user.authentication.sso":
                    a = apps[random.randrange(len(apps))]
                    e["target"] = [{"alternateId": a[1], "detailEntry": {"signOnModeType": "SAML_2_0"},
                                    "displayName": a[1], "id": a[0], "type": "AppInstance"}]
                line = json.dumps(e, separators=(",", ":")) + "\n"
                f.write(line)
                written += len(line)
                n += 1
    print(f"{n} System Log events, {written / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("entra", "okta"):
        sys.exit(__doc__)
    size = int(float(sys.argv[2]) * 1e6)
    (entra if sys.argv[1] == "entra" else okta)(size, sys.argv[3])
