"""Times the official Huawei Cloud Python signer on the seed DELETE.

The request is the one `benches/signing.rs` signs: same path, host, headers,
credentials and signing time. Requests are built before the clock starts, so
only `BasicCredentials.sign_request` (what the SDK's client calls) is timed.
Prints the Authorization (to compare with ours) and the median time a
signature in microseconds over seven batches.
"""

import statistics
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

PROJECT = "0123456789abcdef0123456789abcdef"
PATH = "/v2.1/" + PROJECT + "/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password"
CREDENTIALS = BasicCredentials(
    "AKFAKEEXAMPLE0000000", "SKFAKEexampleSecretKeyNOTREAL00000000000", PROJECT
)
BATCH = 2000


def request():
    return SdkRequest(
        method="DELETE",
        schema="https",
        host="ecs.cn-north-4.myhuaweicloud.com",
        resource_path=PATH,
        query_params=[],
        header_params={"Content-Type": "application/json", "X-Sdk-Date": "20240102T030405Z"},
        body=b"",
    )


def main():
    first = request()
    CREDENTIALS.sign_request(first)
    print("authorization:", first.header_params["Authorization"])
    batches = []
    for _ in range(7):
        pending = [request() for _ in range(BATCH)]
        started = time.perf_counter()
        for each in pending:
            CREDENTIALS.sign_request(each)
        batches.append((time.perf_counter() - started) / BATCH * 1e6)
    print("median_us: %.2f" % statistics.median(batches))


main()
