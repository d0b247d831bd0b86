def test_home_redirects_each_role(cast, as_user):
    expected = {
        cast.learner: "/me/",
        cast.tutor: "/tutor/",
        cast.manager: "/school/",
        cast.parent: "/parent/",
        cast.operator: "/operator/",
    }
    for user, url in expected.items():
        response = as_user(user).get("/")
        assert response.status_code == 302
        assert response.url == url
        assert as_user(user).get(url).status_code == 200
