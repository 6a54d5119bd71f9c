from gongzhi.core.natsort import natural_key, natural_sorted


def test_numbers_compare_as_numbers():
    assert natural_sorted(["10栋", "2栋", "1栋", "2栋A"]) == ["1栋", "2栋", "2栋A", "10栋"]


def test_mixed_names_never_compare_int_with_str():
    names = ["南区3号楼", "3号楼", "北区", "", "12单元", "2单元"]
    assert natural_sorted(names) == ["", "2单元", "3号楼", "12单元", "北区", "南区3号楼"]


def test_key_by_attribute():
    rows = [{"n": "10号"}, {"n": "9号"}]
    assert [r["n"] for r in natural_sorted(rows, key=lambda r: r["n"])] == ["9号", "10号"]
    assert natural_key("2栋") < natural_key("10栋")
