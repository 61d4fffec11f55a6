"""The person an application is for, as the F-1.07 form asks for it: the columns the counter's
Application (app/registration) and the desa's PreRegistration (app/desa) both declare, declared once.

A model with no database and no table of its own (as app.frame.accounts.Account). A table takes these
fields by listing it after its database's model, `class Application(BaseModel, ApplicantFields)`: the
table's database and naming come from the first base. Each table's columns stay its own, in schema/;
a change to a field here is a migration for both.
"""
from peewee import CharField, Model, TextField
from playhouse.apsw_ext import BooleanField, DateField


class ApplicantFields(Model):
    nik = CharField(index=True)
    kk_number = CharField()
    full_name = CharField()
    birth_place = CharField()
    birth_date = DateField()
    sex = CharField()  # 'L' / 'P'
    address = CharField()
    rt = CharField()
    rw = CharField()
    desa_code = CharField()
    religion = CharField()
    marital_status = CharField()
    occupation = CharField()
    phone = CharField(default="")
    reason = CharField()
    biometric_done = BooleanField(default=False)
    notes = TextField(default="")
    mismatch_reason = TextField(default="")  # why the NIK disagrees with birth date/sex, when it does
