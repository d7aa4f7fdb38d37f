// The campaign studio on the campaign change form (care/admin/campaigns/).
// Shows the chosen trigger's settings, keeps the audience count current, lists
// the trigger's variables, previews the templates while the marketer types and
// sends tests. Plain JavaScript, no library: the server does the work.
"use strict";
(function () {
  function debounce(fn, ms) {
    let timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function jsonData(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  const AUDIENCE = ["segments", "clusters", "locales", "time_zones", "min_orders", "min_spend"];

  function start() {
    const form = document.getElementById("campaign_form");
    const config = document.getElementById("studio-config");
    if (!form || !config) return;
    // The variables and the preview sit beside the template editors.
    const group = document.getElementById("templates-group");
    const studio = document.getElementById("studio");
    if (group && studio) {
      const split = el("div", { class: "studio-split" });
      group.before(split);
      split.append(group, studio);
    }
    const trigger = form.querySelector("[name=trigger]");
    const labels = jsonData("studio-labels");
    const variables = jsonData("studio-variables-data");

    function currentTrigger() {
      return trigger ? trigger.value : "";
    }

    function showTrigger() {
      document.querySelectorAll("fieldset.studio-trigger").forEach((fs) => {
        fs.hidden = !fs.classList.contains("studio-trigger-" + currentTrigger());
      });
      const list = document.querySelector("#studio-variables ul");
      list.replaceChildren();
      (variables[currentTrigger()] || []).forEach((v) => {
        const item = el("li");
        const code = el("code", { title: labels.copy }, "{{ " + v.name + " }}");
        code.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(code.textContent));
        item.append(code, " ", el("span", { class: "help" }, v.description));
        list.append(item);
      });
    }

    const counter = document.getElementById("studio-audience-count");
    const updateCount = debounce(function () {
      if (!counter) return;
      const params = new URLSearchParams();
      const data = new FormData(form);
      AUDIENCE.forEach((name) => data.getAll(name).forEach((v) => v !== "" && params.append(name, v)));
      fetch(counter.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
        .then((r) => r.json())
        .then((body) => { counter.textContent = body.error ? body.error : body.text; });
    }, 250);

    const customer = document.getElementById("studio-customer");
    const search = document.getElementById("studio-customer-search");
    const previews = document.getElementById("studio-previews");
    const result = document.getElementById("studio-test-result");

    const updatePreview = debounce(function () {
      const data = new FormData(form);
      data.set("studio_customer", customer.value);
      fetch(config.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => r.json())
        .then(renderPreviews);
    }, 400);

    function renderPreviews(body) {
      previews.replaceChildren();
      if (body.error) {
        previews.append(el("p", { class: "studio-problem" }, body.error));
        return;
      }
      if (!body.previews.length) previews.append(el("p", { class: "help" }, labels.no_templates));
      body.previews.forEach((p) => previews.append(card(p)));
    }

    function card(p) {
      const box = el("div", { class: "studio-card", "data-channel": p.channel, "data-locale": p.locale });
      box.append(el("h4", {}, p.channel.toUpperCase() + " · " + p.locale));
      p.problems.forEach((text) => box.append(el("p", { class: "studio-problem" }, text)));
      if (p.problems.length) return box;
      if (p.subject) box.append(el("p", {}, labels.subject + ": " + p.subject));
      box.append(el("pre", { class: "studio-body" }, p.body));
      if (p.channel === "sms") {
        box.append(el("p", { class: "studio-sms" },
          p.encoding + " · " + p.length + " " + labels.chars + " · " + p.segments + " " + labels.segments));
      }
      if (config.dataset.testUrl) {
        box.append(testButton(p, "me", labels.to_me), testButton(p, "customer", labels.to_customer));
      } else {
        box.append(el("p", { class: "help" }, labels.save_first));
      }
      return box;
    }

    function testButton(p, to, text) {
      const button = el("button", { type: "button", class: "button studio-test-" + to }, text);
      button.addEventListener("click", () => {
        const data = new FormData();
        data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        data.set("channel", p.channel);
        data.set("locale", p.locale);
        data.set("customer", customer.value);
        data.set("to", to);
        result.textContent = labels.sending;
        fetch(config.dataset.testUrl, { method: "POST", body: data, credentials: "same-origin" })
          .then((r) => r.json())
          .then((body) => {
            result.textContent = body.error
              ? body.error
              : labels.test_result.replace("%(status)s", body.status).replace("%(to)s", body.recipient) +
                (body.detail ? " " + body.detail : "");
          });
      });
      return button;
    }

    search.addEventListener("input", debounce(function () {
      const q = search.value.trim();
      if (!q) return;
      fetch(config.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then((r) => r.json())
        .then((body) => {
          const keep = customer.options[0];
          customer.replaceChildren(keep);
          body.results.forEach((c) => customer.append(el("option", { value: c.id }, c.label)));
          if (body.results.length) customer.value = String(body.results[0].id);
          updatePreview();
        });
    }, 300));
    customer.addEventListener("change", updatePreview);

    form.addEventListener("input", (event) => {
      const name = event.target.name || "";
      if (AUDIENCE.includes(name)) updateCount();
      if (name.startsWith("templates-") || ["trigger", "purpose", "offer"].includes(name)) updatePreview();
    });
    form.addEventListener("change", (event) => {
      const name = event.target.name || "";
      if (name === "trigger") showTrigger();
      if (AUDIENCE.includes(name)) updateCount();
      if (name.startsWith("templates-") || ["trigger", "purpose", "offer"].includes(name)) updatePreview();
    });
    // The offer's autocomplete (select2) announces changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", "select[name=offer]", updatePreview);
    }
    showTrigger();
    updateCount();
    updatePreview();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
