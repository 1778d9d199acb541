"""django-import-export resources: regions, units, census margins and rosters in and out of XLSX/CSV.

Column headers are Chinese by default; the English names are accepted too (and used by
`--english` exports). Every import runs in a transaction: one bad row and nothing changes.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import fields, resources, widgets

from .models import Campaign, CensusMargin, EvaluatorGroup, Region, RosterEntry, Unit


class ChoiceWidget(widgets.Widget):
    """A choice field read from its value or its Chinese/English label, written as the value."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for choice_value, label in self.choices:
            if text in (choice_value, str(label)):
                return choice_value
        raise ValueError(_("“%(value)s” is not one of: %(choices)s.")
                         % {"value": text, "choices": "、".join(f"{v}（{label}）" for v, label in self.choices)})

    def render(self, value, obj=None, **kwargs):
        return value


class CodeWidget(widgets.ForeignKeyWidget):
    """A reference by code (region, unit, campaign) that says which code it could not find."""

    def __init__(self, model, field: str, noun):
        super().__init__(model, field)
        self.noun = noun

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_("No %(noun)s with the code “%(code)s”.") % {"noun": self.noun, "code": value}) from None


class ActiveWidget(widgets.BooleanWidget):
    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是", "启用"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否", "停用"]


def _field(attribute: str, chinese: str, widget=None, **kwargs) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=chinese, widget=widget, **kwargs)


class BilingualResource(resources.ModelResource):
    """Chinese headers; English headers (the attribute names) are renamed on import."""

    class Meta:
        clean_model_instances = True  # run the models' own validation on every row

    def column_names(self) -> dict[str, str]:
        return {f.attribute: f.column_name for f in self.get_import_fields()}

    def before_import(self, dataset, **kwargs):
        english = {f.attribute: f.column_name for f in self.get_import_fields()}
        english.update(getattr(self.Meta, "english_aliases", {}))
        dataset.headers = [english.get(str(h).strip(), str(h).strip()) if h is not None else h
                           for h in dataset.headers]
        super().before_import(dataset, **kwargs)


class RegionResource(BilingualResource):
    code = _field("code", "编码")
    name = _field("name", "名称")
    level = _field("level", "层级", ChoiceWidget(Region.Level.choices))
    parent = _field("parent", "上级区域", CodeWidget(Region, "code", _lazy("region")))
    population = _field("population", "人口", widgets.IntegerWidget())

    class Meta(BilingualResource.Meta):
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "name", "level", "parent", "population"]
        skip_unchanged = True


class UnitResource(BilingualResource):
    code = _field("code", "编码")
    name = _field("name", "名称")
    kind = _field("kind", "类型", ChoiceWidget(Unit.Kind.choices))
    region = _field("region", "所属区域", CodeWidget(Region, "code", _lazy("region")))
    parent = _field("parent", "上级单位", CodeWidget(Unit, "code", _lazy("unit")))
    active = _field("active", "启用", ActiveWidget())

    class Meta(BilingualResource.Meta):
        model = Unit
        import_id_fields = ["code"]
        fields = ["code", "name", "kind", "region", "parent", "active"]
        skip_unchanged = True

    def before_import_row(self, row, **kwargs):
        if row.get("启用") in (None, ""):
            row["启用"] = "1"  # a new unit is active unless the file says otherwise


class DraftCampaignMixin:
    """Weighting margins and rosters belong to a campaign being prepared (or, for rosters, open)."""

    allowed_statuses = (Campaign.Status.DRAFT,)

    def before_save_instance(self, instance, row, **kwargs):
        if instance.campaign.status not in self.allowed_statuses:
            raise ValidationError(_("Campaign “%(campaign)s” is “%(status)s”: it can no longer be changed this way.")
                                  % {"campaign": instance.campaign.slug,
                                     "status": instance.campaign.get_status_display()})
        super().before_save_instance(instance, row, **kwargs)


class CensusMarginResource(DraftCampaignMixin, BilingualResource):
    campaign = _field("campaign", "评议活动", CodeWidget(Campaign, "slug", _lazy("campaign")))
    variable = _field("variable", "变量")
    level = _field("level", "取值")
    population = _field("population", "人口", widgets.IntegerWidget())

    class Meta(BilingualResource.Meta):
        model = CensusMargin
        import_id_fields = ["campaign", "variable", "level"]
        fields = ["campaign", "variable", "level", "population"]


class GroupWidget(widgets.Widget):
    """An evaluator group named by its key, within the row's campaign."""

    def clean(self, value, row=None, **kwargs):
        slug = (row or {}).get("评议活动")
        group = EvaluatorGroup.objects.filter(campaign__slug=slug, key=str(value or "").strip()).first()
        if group is None:
            raise ValueError(_("No group “%(group)s” in campaign “%(campaign)s”.") % {"group": value, "campaign": slug})
        return group

    def render(self, value, obj=None, **kwargs):
        return value.key if value else ""


class RosterResource(DraftCampaignMixin, BilingualResource):
    allowed_statuses = (Campaign.Status.DRAFT, Campaign.Status.OPEN)
    campaign = _field("campaign", "评议活动", CodeWidget(Campaign, "slug", _lazy("campaign")))
    group = _field("group", "评议主体", GroupWidget())
    name = _field("name", "姓名")
    organisation = _field("organisation", "工作单位")
    contact = _field("contact", "联系方式")

    class Meta(BilingualResource.Meta):
        model = RosterEntry
        fields = ["campaign", "group", "name", "organisation", "contact"]
        # A person is known by name within a group: importing again updates their details.
        import_id_fields = ["campaign", "group", "name"]
        english_aliases = {"organization": "工作单位"}


RESOURCES = {
    "regions": RegionResource,
    "units": UnitResource,
    "margins": CensusMarginResource,
    "roster": RosterResource,
}
