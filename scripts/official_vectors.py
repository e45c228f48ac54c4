"""Signs every vector of a vector file with the official Huawei Cloud Python
SDK signer (`huaweicloudsdkcore`) and compares its canonical request and
`Authorization` with what the file holds; with `--write`, stores the
official ones instead. Run it through `scripts/official-vectors.sh`, which
installs the signer.

    python3 scripts/official_vectors.py sign/tests/data/client-wire.json [--write]
"""

import json
import sys
from urllib.parse import unquote, urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import DerivationAKSKSigner, Signer


def query(given, url):
    """The query as the SDK is given it: the vector's `query_params`, or the
    URL's split on `&` and the first `=` and percent-decoded (`+` stays)."""
    if "query_params" in given:
        return [tuple(pair) for pair in given["query_params"]]
    pairs = []
    for piece in filter(None, url.query.split("&")):
        key, _, value = piece.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def official(given):
    """The official signer's canonical request and Authorization for one input."""
    url = urlsplit(given["url"])
    headers = dict(given.get("headers", {}))
    if given.get("project_id"):
        headers["X-Project-Id"] = given["project_id"]
    if given.get("security_token"):
        headers["X-Security-Token"] = given["security_token"]
    def request():
        return SdkRequest(
            method=given["method"],
            schema=url.scheme,
            host=url.netloc,
            resource_path=url.path,
            query_params=query(given, url),
            header_params=dict(headers),
            body=given.get("body", "").encode("utf-8"),
        )

    credentials = BasicCredentials(given["ak"], given["sk"])
    if given.get("algorithm") == "V11-HMAC-SHA256":
        derived = DerivationAKSKSigner(credentials).sign(
            request(), given["derived_auth_service_name"], given["region_id"]
        )
        return None, derived.header_params["Authorization"]
    signer = Signer(credentials)
    signed = signer.sign(request())
    # The canonical request, by the signer's own steps on a second copy of
    # the request (the SDK keeps it to itself).
    copy = request()
    Signer._process_content_header(copy)
    Signer._process_header_time(copy)
    Signer._process_header_host(copy)
    canonical = signer._process_canonical_request(copy, Signer._process_signed_headers(copy))
    return canonical, signed.header_params["Authorization"]


def main():
    path, write = sys.argv[1], "--write" in sys.argv[2:]
    data = json.load(open(path, encoding="utf-8"))
    differ = 0
    for vector in data["vectors"]:
        canonical, authorization = official(vector["input"])
        expected = vector["expected"]
        same = expected.get("authorization") == authorization and (
            canonical is None
            or "canonical_request" not in expected
            or expected["canonical_request"] == canonical
        )
        differ += not same
        print(("same     " if same else "DIFFERS  ") + vector["name"])
        if write:
            expected["authorization"] = authorization
            if canonical is not None:
                expected["canonical_request"] = canonical
    if write:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
    print(f"{len(data['vectors']) - differ} of {len(data['vectors'])} as the official signer signs them")
    sys.exit(1 if differ and not write else 0)


main()
