"""Model fields that keep personal data encrypted in the database (see core/crypto.py).

`EncryptedTextField` seals on write and opens on read, so code keeps reading `resident.id_number`.
With `index_field="..."` a sibling `BlindIndexField` holds the keyed hash: `filter(id_number=x)` and
`filter(id_number__in=[...])` are rewritten to the index column, and uniqueness is a constraint on it.
Other look-ups (contains, startswith, ordering by value) cannot work on sealed values and are refused."""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import Lookup

from . import crypto


class EncryptedTextField(models.TextField):
    def __init__(self, *args, index_field: str = "", **kwargs):
        self.index_field = index_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.index_field:
            kwargs["index_field"] = self.index_field
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # A one-line input with the declared max_length, not the TextField's textarea.
        return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})

    @property
    def aad(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.open_sealed(value, self.aad)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value or crypto.is_sealed(value):
            return value
        return crypto.seal(value, self.aad)

    def index_of(self, value) -> str | None:
        return crypto.blind_index(str(value), self.aad) if value else None

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in") and self.index_field:
            return BlindExact if lookup_name == "exact" else BlindIn
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(f"{self.name} is encrypted: only exact, in and isnull look-ups work")


class BlindIndexField(models.CharField):
    """The keyed hash of `source` (an EncryptedTextField), computed whenever the row is written."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("max_length", None)
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = self.model._meta.get_field(self.source).index_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


class _Blind(Lookup):
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self):
        return self.rhs

    def _index_sql(self, compiler, connection):
        field = self.lhs.target
        index = field.model._meta.get_field(field.index_field)
        return compiler.compile(index.get_col(self.lhs.alias)), field


class BlindExact(_Blind):
    lookup_name = "exact"

    def as_sql(self, compiler, connection):
        (sql, params), field = self._index_sql(compiler, connection)
        return f"{sql} = %s", [*params, field.index_of(self.rhs)]


class BlindIn(_Blind):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        (sql, params), field = self._index_sql(compiler, connection)
        values = [field.index_of(v) for v in self.rhs if v]
        if not values:
            return "1 = 0", []
        return f"{sql} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


class EncryptedQuerySet(models.QuerySet):
    """bulk_update() does not call pre_save: keep the blind index in step when its source is updated."""

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for f in self.model._meta.concrete_fields:
            if isinstance(f, BlindIndexField) and f.source in fields and f.name not in fields:
                fields.append(f.name)
                for obj in objs:
                    f.pre_save(obj, False)
        return super().bulk_update(objs, fields, batch_size=batch_size)
