def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "工作人员登录" in response.text
    assert 'lang="zh-CN"' in response.text


def test_staff_reaches_seasons(staff):
    response = staff.get("/staff/seasons")
    assert response.status_code == 200
    assert "届次" in response.text
