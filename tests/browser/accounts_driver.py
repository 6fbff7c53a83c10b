"""Drives the accounts pages in chromium for tests/browser/test_accounts_flow.py, in a child
process (Playwright's sync API needs a plain asyncio loop; nothing from p88 is imported here).

`python -m tests.browser.accounts_driver WEB_URL SETUP_PATH` prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.browser.chromium import launch

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ADMIN = ("root@install.example", "Robin Root", "root password 123")
OWNER = ("owner@fast.example", "Olive Owner", "owner password 123")
OPERATOR = ("op@fast.example", "Oscar Operator", "operator password 1")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"accounts-{name}.png"), full_page=True)


def secret_link(page) -> str:
    return page.locator("[data-secret]").first.inner_text().strip()


def sign_in(page, base: str, who: tuple[str, str, str]) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[2])
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def create_account(page, link: str, who: tuple[str, str, str], shot_name: str) -> None:
    page.goto(link)
    shot(page, shot_name)
    page.fill("input[name=name]", who[1])
    page.fill("input[name=password]", who[2])
    page.fill("input[name=password_again]", who[2])
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/invite/" not in url and "/setup/" not in url)


def run(base: str, setup_path: str) -> dict:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:

            def new_page(viewport=DESKTOP):
                page = browser.new_context(viewport=viewport).new_page()
                page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
                page.on(
                    "console",
                    lambda m: (
                        seen["errors"].append(f"{m.text} {m.location.get('url')}")
                        if m.type == "error"
                        else None
                    ),
                )
                return page

            # 1. First-run setup creates the platform admin.
            admin = new_page()
            admin.goto(base + setup_path)
            shot(admin, "01-setup")
            admin.fill("input[name=email]", ADMIN[0])
            admin.fill("input[name=name]", ADMIN[1])
            admin.fill("input[name=password]", ADMIN[2])
            admin.fill("input[name=password_again]", ADMIN[2])
            admin.check("input[name=unauthenticated][value=unassigned]")
            admin.click("form.form button[type=submit]")
            admin.wait_for_url(f"{base}/")
            seen["admin_dashboard"] = admin.locator("h1").first.inner_text()
            shot(admin, "02-admin-dashboard")

            # 2. The platform admin adds a timing company with an owner invitation.
            admin.goto(f"{base}/platform/")
            admin.fill("form[action='/platform/partners'] input[name=slug]", "fast")
            admin.fill("form[action='/platform/partners'] input[name=name]", "Fast Timing")
            admin.fill("form[action='/platform/partners'] input[name=owner_email]", OWNER[0])
            admin.click("form[action='/platform/partners'] button[type=submit]")
            owner_link = secret_link(admin)
            shot(admin, "03-platform-partners")

            # 3. The owner accepts, signs out, and signs in again with the login form.
            owner = new_page()
            create_account(owner, owner_link, OWNER, "04-invitation-owner")
            owner.click("header form[action='/logout'] button")
            owner.wait_for_url(f"{base}/login")
            owner.fill("input[name=email]", OWNER[0])
            owner.fill("input[name=password]", "not my password")
            before = len(seen["errors"])
            owner.click("form.form button[type=submit]")
            seen["wrong_password_message"] = owner.locator(".notice.bad").inner_text()
            # The refused sign-in is answered 401 on purpose; chromium logs that as an error.
            seen["errors"] = seen["errors"][:before] + [
                e for e in seen["errors"][before:] if "status of 401" not in e
            ]
            shot(owner, "05-login-error")
            sign_in(owner, base, OWNER)
            seen["owner_chip"] = owner.locator(".partner-chip").inner_text()
            shot(owner, "06-owner-dashboard")

            # 4. The owner invites an operator.
            owner.goto(f"{base}/admin/invitations")
            owner.fill("form[action='/admin/invitations'] input[name=email]", OPERATOR[0])
            owner.select_option("form[action='/admin/invitations'] select[name=role]", "operator")
            owner.click("form[action='/admin/invitations'] button[type=submit]")
            operator_link = secret_link(owner)
            shot(owner, "07-invitations")

            # 5. The operator accepts in their own browser (and signs in on a phone too).
            operator = new_page()
            create_account(operator, operator_link, OPERATOR, "08-invitation-operator")
            seen["operator_chip"] = operator.locator(".partner-chip").inner_text()
            phone = new_page(PHONE)
            sign_in(phone, base, OPERATOR)
            shot(phone, "09-phone-dashboard")

            # 6. The owner changes the operator's role to viewer.
            owner.goto(f"{base}/admin/users")
            row = owner.locator(f"tr[data-email='{OPERATOR[0]}']")
            row.locator("select[name=role]").select_option("viewer")
            row.get_by_role("button", name="Change role").click()
            owner.wait_for_url(f"{base}/admin/users?saved=role")
            seen["role_saved"] = owner.locator(".notice.ok").inner_text()
            shot(owner, "10-users-role-changed")
            operator.goto(f"{base}/")
            seen["operator_chip_after"] = operator.locator(".partner-chip").inner_text()
            owner.set_viewport_size(PHONE)
            owner.goto(f"{base}/admin/users")
            shot(owner, "11-phone-users")

            # 7. The (now) viewer signs out everywhere from the account page.
            operator.goto(f"{base}/account")
            seen["sessions_listed"] = operator.locator("table.table tbody tr").count()
            shot(operator, "12-account")
            operator.click("form[action='/account/sign-out-everywhere'] button")
            operator.wait_for_url(f"{base}/login")
            phone.goto(f"{base}/account")
            seen["phone_after_everywhere"] = phone.url
            shot(phone, "13-phone-signed-out")
            seen["owner_still_in"] = owner.goto(f"{base}/admin/users").url

            # 8. The rest of the owner's admin pages, for the eye.
            owner.set_viewport_size(DESKTOP)
            owner.goto(f"{base}/admin/collectors")
            owner.fill("form[action='/admin/collectors'] input[name=username]", "finish-line")
            owner.click("form[action='/admin/collectors'] button[type=submit]")
            seen["collector_secret_shown"] = owner.locator("[data-secret]").count()
            shot(owner, "14-collectors")
            owner.goto(f"{base}/admin/plan")
            seen["chart_bars"] = owner.locator("svg.chart rect.bar").count()
            shot(owner, "15-plan-usage")
            owner.goto(f"{base}/admin/audit")
            shot(owner, "16-audit")
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
