from kapi.registry.managedfields import flatten, from_fields_v1, record, to_fields_v1


def test_create_records_every_user_field():
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "x", "uid": "u", "labels": {"app": "web"}}, "data": {"a": "1"}}
    record(obj, None, manager="kubectl-create", operation="Update", api_version="v1", now="T", old=None)
    (entry,) = obj["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl-create" and entry["operation"] == "Update"
    assert entry["fieldsType"] == "FieldsV1" and entry["time"] == "T"
    fields = entry["fieldsV1"]
    assert fields["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    assert "f:uid" not in fields["f:metadata"] and "f:name" not in fields["f:metadata"]
    assert fields["f:data"] == {".": {}, "f:a": {}}


def test_update_moves_changed_fields_to_the_new_manager():
    old = {"metadata": {"name": "x"}, "data": {"a": "1", "b": "2"}}
    record(old, None, manager="alice", operation="Update", api_version="v1", now="T1", old=None)
    new = {"metadata": {"name": "x", "managedFields": old["metadata"]["managedFields"]},
           "data": {"a": "1", "b": "3"}}
    record(new, None, manager="bob", operation="Update", api_version="v1", now="T2", old=old)
    by_manager = {e["manager"]: e for e in new["metadata"]["managedFields"]}
    assert "f:b" in by_manager["bob"]["fieldsV1"]["f:data"]
    assert "f:b" not in by_manager["alice"]["fieldsV1"]["f:data"]
    assert "f:a" in by_manager["alice"]["fieldsV1"]["f:data"]


def test_fields_v1_round_trip():
    paths = set(flatten({"metadata": {"labels": {"a": "b"}}, "spec": {"x": 1}}, None))
    assert from_fields_v1(to_fields_v1(paths)) == paths
