"""Who is acting, when $USER is unset."""

import os
import pwd

from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor


def test_explicit_settings_win_in_order():
    assert find_actor({"SLIPWAY_ACTOR": "ops", "GITHUB_ACTOR": "gh", "USER": "u"}) == "ops"
    assert find_actor({"GITHUB_ACTOR": "gh", "USER": "u"}) == "gh"
    assert find_actor({"USER": "u", "LOGNAME": "l"}) == "u"


def test_logname_when_user_is_unset():
    assert find_actor({"LOGNAME": "l"}) == "l"
    assert find_actor({"USER": "  ", "LOGNAME": "l"}) == "l"


def test_os_account_when_the_environment_says_nothing():
    assert find_actor({}) == pwd.getpwuid(os.getuid()).pw_name
