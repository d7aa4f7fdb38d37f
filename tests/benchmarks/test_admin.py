"""The admin benchmark runs in its tiny mode: every crm list page it times
answers to a view-only staff user, every care list to a member of the care role."""


def test_it_times_every_crm_and_care_list_page_of_a_tiny_shop(
    run_benchmark, postgres_too
):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("admin.py", "--tiny", "--database", database)
    for vendor in ["postgres", "sqlite"] if postgres_too else ["sqlite"]:
        pages = figures[vendor]["pages"]
        listed = {page["page"].split("?")[0] for page in pages}
        # customers, orders, assets, products, views, consents; messages,
        # delivery events, tickets
        assert len(listed) == 9
        assert all(page["queries"] > 0 and page["seconds"] > 0 for page in pages)
        assert figures[vendor]["message_log"]
