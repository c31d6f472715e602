"""The staff studio in Debian's chromium against the real web process: sign-in, roles,
cookies, CSRF, the sign-in lock and the audit log."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.studio import PASSWORDS, StudioSite, running_studio

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def site() -> Iterator[StudioSite]:
    with running_studio() as started:
        yield started


def sign_in(page: Page, site: StudioSite, name: str, password: str = "") -> Page:
    page.goto(site.studio)
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password or PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    return page


def csrf_token(page: Page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def test_studio_needs_sign_in_and_the_form_is_labelled(context, site):
    page = context.new_page()
    page.goto(site.studio + "users")
    expect(page).to_have_url(re.compile(r"/staff/sign-in\?next=/staff/users$"))
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # Signing in returns to the page first asked for.
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORDS["ada"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.studio + "users")


@pytest.mark.parametrize(
    "name, sees_admin",
    [("ada", True), ("pat", False), ("eddie", False)],
)
def test_each_role_sees_only_what_it_may_do(context, site, name, sees_admin):
    page = sign_in(context.new_page(), site, name)
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    nav = page.get_by_role("navigation", name="Studio")
    for link in ("Users", "Audit log"):
        expect(nav.get_by_role("link", name=link)).to_have_count(1 if sees_admin else 0)
    for path in ("users", "audit"):
        response = page.goto(site.studio + path)
        assert response.status == (200 if sees_admin else 403), (name, path)
        if not sees_admin:
            expect(page.locator("main")).to_contain_text("needs the admin role")


def test_cookies_are_httponly_samesite_strict_and_only_for_the_studio(context, site):
    page = sign_in(context.new_page(), site, "pat")
    expect(page.get_by_role("heading", name="Welcome, pat")).to_be_visible()
    cookies = context.cookies()
    assert [c["name"] for c in cookies] == ["pit_staff"]
    cookie = cookies[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/staff"
    assert not cookie["secure"]  # plain http on loopback; over https the flag is set
    assert page.evaluate("document.cookie") == ""
    public = page.goto(site.url)
    assert "set-cookie" not in public.headers
    studio = page.goto(site.studio)
    assert "access-control-allow-origin" not in studio.headers
    assert studio.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in studio.headers["content-security-policy"]


def test_sign_out_ends_the_session_on_the_server(context, site):
    page = sign_in(context.new_page(), site, "eddie")
    cookie = context.cookies()[0]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    # Replaying the old cookie does not sign anyone in.
    context.add_cookies([cookie])
    page.goto(site.studio)
    expect(page).to_have_url(re.compile(r"/staff/sign-in"))


def test_a_post_without_the_csrf_token_fails_and_changes_nothing(context, site):
    page = sign_in(context.new_page(), site, "ada")
    expect(page.get_by_role("heading", name="Welcome, ada")).to_be_visible()
    form = {
        "username": "mallory",
        "role": "admin",
        "password": "x" * 16,
        "password_again": "x" * 16,
    }
    response = context.request.post(site.studio + "users", form=form, max_redirects=0)
    assert response.status == 400
    assert "This form has expired" in response.text()
    page.goto(site.studio + "users")
    expect(page.locator("tbody")).not_to_contain_text("mallory")
    # The same request with the page's token works, so the token is what made the difference.
    form["csrf_token"] = csrf_token(page)
    response = context.request.post(site.studio + "users", form=form, max_redirects=0)
    assert response.status == 302
    page.goto(site.studio + "users")
    expect(page.locator("tbody")).to_contain_text("mallory")


def test_an_editor_calling_an_admin_action_is_refused(context, site):
    page = sign_in(context.new_page(), site, "eddie")
    expect(page.get_by_role("heading", name="Welcome, eddie")).to_be_visible()
    token = csrf_token(page)
    form = {"role": "admin", "csrf_token": token}
    response = context.request.post(site.studio + "users/eddie/role", form=form, max_redirects=0)
    assert response.status == 403
    response = context.request.post(
        site.studio + "users",
        form={
            "username": "eve",
            "role": "admin",
            "password": "y" * 16,
            "password_again": "y" * 16,
            "csrf_token": token,
        },
        max_redirects=0,
    )
    assert response.status == 403
    listed = site.staff("list-users").stdout
    assert "eddie\teditor" in listed and "eve" not in listed


def test_six_wrong_passwords_lock_the_account_and_an_admin_unlocks_it(browser, site):
    assert (
        site.staff(
            "add-user",
            "lou",
            "--role",
            "editor",
            "--password-stdin",
            stdin="the locked one passphrase\n",
        ).returncode
        == 0
    )
    context = browser.new_context()
    page = context.new_page()
    for attempt in range(1, 7):
        sign_in(page, site, "lou", f"wrong guess number {attempt}")
        alert = page.get_by_role("alert")
        if attempt < 5:
            expect(alert).to_have_text("Wrong username or password.")
        else:
            expect(alert).to_contain_text("locked after 5 failed sign-ins")
    # Locked: even the right password is refused.
    sign_in(page, site, "lou", "the locked one passphrase")
    expect(page.get_by_role("alert")).to_contain_text("locked")
    expect(page.get_by_label("Username")).to_be_visible()
    # An admin sees the lock and lifts it.
    admin = sign_in(context.browser.new_context().new_page(), site, "ada")
    admin.goto(site.studio + "users")
    row = admin.locator("tr[data-username=lou]")
    expect(row).to_contain_text("Locked until")
    row.get_by_role("button", name="Unlock").click()
    expect(admin.get_by_role("status")).to_have_text("lou is unlocked.")
    sign_in(page, site, "lou", "the locked one passphrase")
    expect(page.get_by_role("heading", name="Welcome, lou")).to_be_visible()
    context.close()


def test_every_change_appears_in_the_audit_log(context, site):
    page = sign_in(context.new_page(), site, "ada")
    page.goto(site.studio + "users")
    page.get_by_label("Username", exact=True).fill("rita")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("Password (at least 12 characters)", exact=True).fill(
        "a brand new passphrase"
    )
    page.get_by_label("Password again", exact=True).fill("a brand new passphrase")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_have_text("Account 'rita' created with the editor role.")
    row = page.locator("tr[data-username=rita]")
    row.get_by_label("Role of rita").select_option("publisher")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status")).to_have_text("rita is now publisher.")
    page.locator("tr[data-username=rita]").get_by_role("button", name="Disable").click()
    expect(page.get_by_role("status")).to_contain_text("rita is disabled")

    page.goto(site.studio + "audit")
    rows = page.locator("tbody tr")
    newest = [rows.nth(i).inner_text() for i in range(3)]
    assert "user.disable" in newest[0] and '"active": false' in newest[0]
    assert "user.role" in newest[1] and '"role": "editor"' in newest[1]
    assert '"role": "publisher"' in newest[1] and "ada" in newest[1] and "rita" in newest[1]
    assert "user.create" in newest[2]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", newest[0])
    # The accounts made on the command line are there too, with who made them.
    expect(page.locator("tbody")).to_contain_text("cli:")


def test_what_staff_type_is_shown_as_text_never_run(context, site):
    page = context.new_page()
    sign_in(page, site, '<img src=x onerror="window.__xss=1">', "whatever it is")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value('<img src=x onerror="window.__xss=1">')
    admin = sign_in(context.new_page(), site, "ada")
    admin.goto(site.studio + "audit")
    expect(admin.locator("tbody")).to_contain_text('<img src=x onerror="window.__xss=1">')
    assert admin.evaluate("window.__xss") is None and page.evaluate("window.__xss") is None


def test_unknown_studio_pages_get_studio_errors_and_get_cannot_sign_out(context, site):
    page = sign_in(context.new_page(), site, "pat")
    response = page.goto(site.studio + "no-such-page")
    assert response.status == 404
    expect(page.get_by_role("link", name="Back to the studio")).to_be_visible()
    # Signing out is a POST with the form's token; a plain link cannot sign anyone out.
    response = context.request.get(site.studio + "sign-out", max_redirects=0)
    assert response.status == 404
    page.goto(site.studio)
    expect(page.get_by_role("heading", name="Welcome, pat")).to_be_visible()
