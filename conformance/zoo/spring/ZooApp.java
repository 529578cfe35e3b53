// The zoo's Spring app: the exported CorsConfig's beans, wired as Spring
// would (Debian's Spring 4.3 cannot subclass @Configuration classes on a
// current JVM), its CorsFilter in front of every request on Jetty, and a
// servlet answering JSON with X-Total-Count on every path.
// Usage: java zoo.ZooApp PORT
package zoo;

import com.example.config.CorsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;

public class ZooApp {
    public static void main(String[] args) throws Exception {
        CorsConfig config = new CorsConfig();
        FilterRegistrationBean<?> registration =
                config.corsFilterRegistration(config.corsConfigurationSource());
        if (registration.getOrder() != Ordered.HIGHEST_PRECEDENCE) {
            throw new IllegalStateException("the CORS filter is not registered first");
        }
        Filter cors = registration.getFilter();

        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(cors), "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse res)
                    throws IOException {
                res.setHeader("X-Total-Count", "3");
                res.setContentType("application/json");
                res.getWriter().write("{\"items\":[1,2,3]}");
            }
        }), "/*");

        Server server = new Server(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        server.setHandler(context);
        server.start();
        server.join();
    }
}
