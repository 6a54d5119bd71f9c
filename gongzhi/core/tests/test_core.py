import pytest
from django.core.exceptions import ValidationError

from gongzhi.core.api import validation_messages
from gongzhi.core.masking import mask_id_number, mask_name, mask_phone
from gongzhi.core.validators import (
    id_number_check_digit,
    uscc_check_char,
    validate_id_number,
    validate_phone,
    validate_uscc,
)


def test_id_number_check_digit_known_value():
    # GB 11643 worked example.
    assert id_number_check_digit("11010519491231002") == "X"
    validate_id_number("11010519491231002X")
    validate_id_number("11010519491231002x")  # lower-case x is normalised


@pytest.mark.parametrize("bad", ["110105194912310021", "11010519491331002X", "1101051949123100", "A1010519491231002X"])
def test_bad_id_numbers_refused(bad):
    with pytest.raises(ValidationError):
        validate_id_number(bad)


def test_uscc_check_char():
    code = "91350100M000100Y4"
    full = code + uscc_check_char(code)
    validate_uscc(full)
    wrong = full[:-1] + ("0" if full[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_uscc(wrong)
    with pytest.raises(ValidationError):
        validate_uscc("91350100M000100YI")  # I is not in the alphabet


def test_phone_validation_and_masks():
    validate_phone("13800138000")
    validate_phone("0731-58881234")
    with pytest.raises(ValidationError):
        validate_phone("12345")
    assert mask_phone("13800138000") == "138****8000"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_name("欧阳明月") == "欧**月" and mask_name("张三") == "张*"


def test_validation_messages_for_field_and_plain_errors():
    assert validation_messages(ValidationError({"name": ["请填写名称"]})) == {"name": ["请填写名称"]}
    assert validation_messages(ValidationError("数据有误")) == ["数据有误"]
