// A stand-in for Spring Boot's FilterRegistrationBean (Spring Boot is not
// packaged by Debian): holds the filter and its order, which the zoo's app
// honours by putting the filter in front of everything, as Boot does for
// Ordered.HIGHEST_PRECEDENCE.
package org.springframework.boot.web.servlet;

import javax.servlet.Filter;

public class FilterRegistrationBean<T extends Filter> {
    private final T filter;
    private int order;

    public FilterRegistrationBean(T filter) {
        this.filter = filter;
    }

    public T getFilter() {
        return filter;
    }

    public void setOrder(int order) {
        this.order = order;
    }

    public int getOrder() {
        return order;
    }
}
