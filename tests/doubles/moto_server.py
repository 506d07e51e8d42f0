#!/usr/bin/env python3
"""moto's server with what moto 5 lacks and certsweep calls, on 127.0.0.1.

Run as `moto_server.py -H 127.0.0.1 -p PORT` (moto.server's arguments).
Added, shaped as botocore's iam service-2.json says:

  IAM ListServerCertificateTags  the tags given to UploadServerCertificate
                                 (Tags.member.N.Key/Value), NoSuchEntity for
                                 a name that does not exist

Everything else is moto's own.
"""
import sys
import threading
from xml.sax.saxutils import escape

from moto.iam.exceptions import NoSuchEntity
from moto.iam.responses import IamResponse
import moto.server

_LOCK = threading.Lock()
_TAGS = {}          # (account, certificate name) -> [(key, value)]

_upload = IamResponse.upload_server_certificate


def _upload_with_tags(self):
    result = _upload(self)
    name = self._get_param("ServerCertificateName")
    tags = [(t.get("Key"), t.get("Value") or "") for t in self._get_param("Tags", []) or []
            if t.get("Key")]
    with _LOCK:
        _TAGS[(self.current_account, name)] = tags
    return result


def _list_server_certificate_tags(self):
    name = self._get_param("ServerCertificateName")
    if not any(c.cert_name == name for c in self.backend.certificates.values()):
        raise NoSuchEntity("The Server Certificate with name %s cannot be found." % name)
    with _LOCK:
        tags = list(_TAGS.get((self.current_account, name), []))
    members = "".join("<member><Key>%s</Key><Value>%s</Value></member>" % (escape(k), escape(v))
                      for k, v in tags)
    return ('<ListServerCertificateTagsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            "<ListServerCertificateTagsResult><IsTruncated>false</IsTruncated>"
            "<Tags>%s</Tags></ListServerCertificateTagsResult>"
            "<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>"
            "</ResponseMetadata></ListServerCertificateTagsResponse>" % members)


IamResponse.upload_server_certificate = _upload_with_tags
IamResponse.list_server_certificate_tags = _list_server_certificate_tags

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
