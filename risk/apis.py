"""The risk models' API (medical role): DP-3T exposure score, Inria RSSI chain, aggregation.

Thin views over risk/scoring; invalid input is a 400 naming the field.
"""

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import fields
from core.permissions import IsMedical
from risk.scoring import dp3t, inria

MAX_SAMPLES = 200_000
# Bounds no real input reaches: larger numbers only overflow the sums into infinity.
MAX_TIME_S = 4_102_444_800  # 2100-01-01 in Unix seconds
MINUTES_A_DAY = 1440
MAX_GAIN_DB = 100
MAX_SCORE = 1_000_000
RISK_WORDS = ("negligible", "medium", "high")


class DP3TInput(serializers.Serializer):
    class BeaconSerializer(serializers.Serializer):
        time = serializers.FloatField(
            min_value=0, max_value=MAX_TIME_S, help_text=gettext_lazy("Unix seconds.")
        )
        attenuation = serializers.FloatField(
            min_value=0, max_value=150, help_text=gettext_lazy("dB")
        )

    class BucketDaySerializer(serializers.Serializer):
        day = fields.DateField()
        minutes = serializers.ListField(
            child=serializers.FloatField(min_value=0, max_value=MINUTES_A_DAY),
            min_length=3,
            max_length=3,
            help_text=gettext_lazy("Minutes in the buckets (< t1, t1..t2, > t2)."),
        )

    beacons = BeaconSerializer(many=True, required=False, max_length=MAX_SAMPLES)
    buckets = BucketDaySerializer(many=True, required=False, max_length=366)
    today = fields.DateField(required=False)

    def validate(self, data):
        if bool(data.get("beacons")) == bool(data.get("buckets")):
            raise serializers.ValidationError(
                _("Give either `beacons` (time, attenuation) or `buckets` per day.")
            )
        return data


class DP3TScoreApi(APIView):
    """Exposure score per day (ES = B1 + 0.5·B2, buckets capped at 30 min) and the decision."""

    permission_classes = [IsMedical]

    def get_serializer(self, *args, **kwargs):
        return DP3TInput(*args, **kwargs)

    class OutputSerializer(serializers.Serializer):
        class ParametersOutput(serializers.Serializer):
            t1_db = serializers.FloatField()
            t2_db = serializers.FloatField()
            weights = serializers.ListField(child=serializers.FloatField())
            bucket_cap_min = serializers.FloatField()
            threshold_min = serializers.FloatField()
            lookback_days = serializers.IntegerField()

            class Meta:
                ref_name = "DP3TParameters"

        class DayOutput(serializers.Serializer):
            day = fields.DateField()
            buckets_min = serializers.ListField(
                child=serializers.FloatField(),
                help_text=gettext_lazy("Minutes per bucket, capped."),
            )
            score_min = serializers.FloatField(help_text=gettext_lazy("ES = B1 + 0.5·B2."))

            class Meta:
                ref_name = "DP3TDay"

        parameters = ParametersOutput()
        days = DayOutput(many=True)
        notify = serializers.BooleanField(
            help_text=gettext_lazy("ES ≥ threshold on a day of the look-back.")
        )

        class Meta:
            ref_name = "DP3TScore"

    @extend_schema(responses=OutputSerializer)
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        given, p = data.validated_data, dp3t.DP3TParams.from_settings()
        if given.get("beacons"):
            times = np.array([b["time"] for b in given["beacons"]])
            attenuation = np.array([b["attenuation"] for b in given["beacons"]])
            days, buckets = dp3t.daily_bucket_minutes(
                times,
                attenuation,
                t1_db=p.t1_db,
                t2_db=p.t2_db,
                cap_min=p.bucket_cap_min,
                max_gap_s=p.max_beacon_gap_s,
            )
            day_labels = [str(np.datetime64(int(d), "D")) for d in days]
        else:
            day_labels = [b["day"].isoformat() for b in given["buckets"]]
            days = np.array([np.datetime64(label, "D").astype(np.int64) for label in day_labels])
            buckets = np.minimum(
                np.array([b["minutes"] for b in given["buckets"]], float), p.bucket_cap_min
            )
        scores = dp3t.exposure_score(buckets, weights=p.weights, cap_min=p.bucket_cap_min)
        today = given.get("today")
        today_index = (
            np.datetime64(today.isoformat(), "D").astype(np.int64)
            if today
            else int(days.max())
            if days.size
            else 0
        )
        return Response(
            {
                "parameters": {
                    "t1_db": p.t1_db,
                    "t2_db": p.t2_db,
                    "weights": list(p.weights),
                    "bucket_cap_min": p.bucket_cap_min,
                    "threshold_min": p.threshold_min,
                    "lookback_days": p.lookback_days,
                },
                "days": [
                    {
                        "day": label,
                        "buckets_min": [round(float(x), 3) for x in row],
                        "score_min": round(float(s), 3),
                    }
                    for label, row, s in zip(day_labels, buckets, scores, strict=True)
                ],
                "notify": dp3t.notification_due(
                    days,
                    scores,
                    today=today_index,
                    lookback_days=p.lookback_days,
                    threshold_min=p.threshold_min,
                ),
            }
        )


class RssiInput(serializers.Serializer):
    class SampleSerializer(serializers.Serializer):
        contact = serializers.CharField(
            max_length=64, help_text=gettext_lazy("Temporary ID of the other phone.")
        )
        time = serializers.FloatField(
            min_value=-MAX_TIME_S, max_value=MAX_TIME_S, help_text=gettext_lazy("Seconds.")
        )
        rssi = serializers.FloatField(min_value=-150, max_value=20, help_text=gettext_lazy("dBm"))

    samples = SampleSerializer(many=True, min_length=1, max_length=MAX_SAMPLES)
    g_tx_db = serializers.FloatField(
        default=0.0,
        min_value=-MAX_GAIN_DB,
        max_value=MAX_GAIN_DB,
        help_text=gettext_lazy("Sender's gain (static + posture + environment)."),
    )
    g_rx_db = serializers.FloatField(
        default=0.0,
        min_value=-MAX_GAIN_DB,
        max_value=MAX_GAIN_DB,
        help_text=gettext_lazy("Receiver's gain."),
    )
    exact = serializers.BooleanField(
        default=False, help_text=gettext_lazy("erfc score (eq. 49) instead of piecewise (eq. 51).")
    )


class RssiScoreApi(APIView):
    """RSSI samples → per-window scores, cumulative, mean and softmax scores and Θ per contact."""

    permission_classes = [IsMedical]

    def get_serializer(self, *args, **kwargs):
        return RssiInput(*args, **kwargs)

    class OutputSerializer(serializers.Serializer):
        class ContactOutput(serializers.Serializer):
            class WindowOutput(serializers.Serializer):
                start = serializers.FloatField(help_text=gettext_lazy("Seconds."))
                samples = serializers.IntegerField()
                mean_dbm = serializers.FloatField(allow_null=True)
                score = serializers.FloatField()

                class Meta:
                    ref_name = "RssiWindow"

            class ThetaOutput(serializers.Serializer):
                mean = serializers.FloatField()
                duration_min = serializers.FloatField()
                nonnull = serializers.IntegerField()

                class Meta:
                    ref_name = "RssiTheta"

            contact = serializers.CharField()
            windows = WindowOutput(many=True)
            cumulative = serializers.FloatField()
            mean = serializers.FloatField()
            softmax = serializers.FloatField()
            theta = ThetaOutput()
            risk = serializers.ChoiceField(choices=RISK_WORDS)

            class Meta:
                ref_name = "RssiContact"

        contacts = ContactOutput(many=True)
        filtered_out = serializers.IntegerField(
            help_text=gettext_lazy("Contacts left out by the filter.")
        )

        class Meta:
            ref_name = "RssiScore"

    @extend_schema(responses=OutputSerializer)
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        given, p = data.validated_data, inria.InriaParams.from_settings()
        samples = given["samples"]
        labels = sorted({s["contact"] for s in samples})
        number = {label: n for n, label in enumerate(labels)}
        result = inria.score_contacts(
            np.array([number[s["contact"]] for s in samples]),
            np.array([s["time"] for s in samples]),
            np.array([s["rssi"] for s in samples]),
            g_tx_db=given["g_tx_db"],
            g_rx_db=given["g_rx_db"],
            params=p,
            exact=given["exact"],
        )
        windows = result.window_detail
        contacts = []
        for row, contact in enumerate(result.ids):
            mine = windows.contact == row
            contacts.append(
                {
                    "contact": labels[int(contact)],
                    "windows": [
                        {
                            "start": float(start),
                            "samples": int(n),
                            "mean_dbm": None if np.isnan(m) else round(float(m), 2),
                            "score": round(float(s), 4),
                        }
                        for start, n, m, s in zip(
                            windows.start_s[mine],
                            windows.samples[mine],
                            windows.mean_dbm[mine],
                            result.window_scores[mine],
                            strict=True,
                        )
                    ],
                    "cumulative": round(float(result.cumulative[row]), 4),
                    "mean": round(float(result.mean[row]), 4),
                    "softmax": round(float(result.softmax[row]), 4),
                    "theta": {
                        "mean": round(float(result.mean[row]), 4),
                        "duration_min": round(float(result.duration_min[row]), 2),
                        "nonnull": int(result.nonnull[row]),
                    },
                    "risk": RISK_WORDS[int(inria.risk_level(float(result.mean[row])))],
                }
            )
        return Response({"contacts": contacts, "filtered_out": len(labels) - len(contacts)})


class AggregateInput(serializers.Serializer):
    scores = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=MAX_SCORE),
        min_length=1,
        max_length=10_000,
    )
    minutes = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=MINUTES_A_DAY),
        required=False,
        max_length=10_000,
    )
    r0 = serializers.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        help_text=gettext_lazy("Per minute; default 0.007."),
    )

    def validate(self, data):
        if "minutes" in data and len(data["minutes"]) != len(data["scores"]):
            raise serializers.ValidationError({"minutes": _("Give one duration per score.")})
        return data


class AggregateApi(APIView):
    """P = 1 - exp(-r0 · Σ score·minutes): eq. 56 (cumulative scores) or 57 (with minutes)."""

    permission_classes = [IsMedical]

    def get_serializer(self, *args, **kwargs):
        return AggregateInput(*args, **kwargs)

    class OutputSerializer(serializers.Serializer):
        probability = serializers.FloatField()
        r0 = serializers.FloatField(help_text=gettext_lazy("Per minute."))

        class Meta:
            ref_name = "AggregateProbability"

    @extend_schema(responses=OutputSerializer)
    def post(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        r0 = given.get("r0", inria.InriaParams.from_settings().r0_per_min)
        probability = inria.aggregate_probability(
            given["scores"], minutes=given.get("minutes"), r0=r0
        )
        return Response({"probability": round(probability, 6), "r0": r0})
