"""The arithmetic of weighted scoring, worked by hand."""

from __future__ import annotations

from marketplace.procurement.scoring import Entry, Weights, score


def test_weighted_scores_and_ranking_by_hand():
    weights = Weights(price=50, lead_time=20, rating=10, custom=(("Quality", 20),))
    entries = [
        Entry(
            1,
            price=1000,
            lead_time_days=9,
            rating=4.0,
            marks={"Quality": 5},
            submitted_order=0,
        ),
        Entry(
            2,
            price=800,
            lead_time_days=19,
            rating=None,
            marks={"Quality": 10},
            submitted_order=1,
        ),
        Entry(3, price=1250, lead_time_days=4, rating=5.0, marks={}, submitted_order=2),
    ]
    result = score(entries, weights)
    # price: 50 × 800/1000 = 40.00; 50; 50 × 800/1250 = 32.00
    # lead time: 20 × (1+4)/(1+9) = 10.00; 20 × 5/20 = 5.00; 20
    # rating: 10 × 4/5 = 8.00; 0 (no rating); 10
    # quality: 20 × 5/10 = 10.00; 20; 0
    assert result[1] == {"price": 4000, "lead_time": 1000, "rating": 800, "custom": {"Quality": 1000},
                         "total": 6800, "rank": 2}  # fmt: skip
    assert result[2]["total"] == 5000 + 500 + 0 + 2000 == 7500
    assert result[3]["total"] == 3200 + 2000 + 1000 + 0 == 6200
    assert [k for k, v in sorted(result.items(), key=lambda kv: kv[1]["rank"])] == [2, 1, 3]


def test_parts_round_half_up_to_a_hundredth_and_ties_go_to_the_lower_then_earlier_bid():
    weights = Weights(price=100, lead_time=0, rating=0)
    result = score(
        [Entry(1, 3, 0, None, {}, 0), Entry(2, 3, 0, None, {}, 1), Entry(3, 7, 0, None, {}, 2)],
        weights,
    )
    assert result[3]["price"] == 4286  # 100 × 3/7 = 42.857… → 42.86
    assert result[1]["rank"] == 1 and result[2]["rank"] == 2 and result[3]["rank"] == 3


def test_marks_outside_zero_to_ten_are_clamped_and_empty_input_scores_nothing():
    weights = Weights(price=50, lead_time=0, rating=0, custom=(("Service", 50),))
    result = score([Entry(1, 10, 0, None, {"Service": 15}, 0)], weights)
    assert result[1]["custom"]["Service"] == 5000
    assert score([], weights) == {}
