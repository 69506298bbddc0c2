"""Queues SIZE changes at a hospital gateway for the regional backlog benchmark: transaction
Bundles of 50 Patients and their 50 Encounters (100 changes each) POSTed to its FHIR API, from
4 threads. usage: regional_load.py PORT SIZE"""
import json
import sys
import threading
import urllib.request

port, size = int(sys.argv[1]), int(sys.argv[2])
bundles = size // 100


def bundle(n):
    entries = []
    for i in range(50):
        pid = f"p{n}-{i}"
        entries.append({"resource": {"resourceType": "Patient", "id": pid, "gender": "female",
                                     "identifier": [{"system": "urn:oid:1.2.156.112604.1.2.1.1",
                                                     "value": f"B{n}-{i}"}],
                                     "name": [{"family": "测试", "given": [str(i)]}]},
                        "request": {"method": "PUT", "url": f"Patient/{pid}"}})
        entries.append({"resource": {"resourceType": "Encounter", "id": f"e{n}-{i}",
                                     "status": "finished", "class": {
                                         "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                         "code": "AMB"},
                                     "subject": {"reference": f"Patient/{pid}"}},
                        "request": {"method": "PUT", "url": f"Encounter/e{n}-{i}"}})
    return json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode()


def worker(k):
    for n in range(k, bundles, 4):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/fhir", data=bundle(n), method="POST",
                                     headers={"Content-Type": "application/fhir+json"})
        with urllib.request.urlopen(req) as r:
            assert r.status == 200, r.status


threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
